-- rule: wash-trading
-- title: Wash trading: an account, or linked accounts, trading with itself
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: min_trades = 3              -- pre-arranged trades between the same or linked accounts
-- threshold: max_order_gap_ms = 2000     -- the maker order was placed at most this long before the trade
-- threshold: lookback_minutes = 15       -- how far back each evaluation reads executions
-- threshold: link_days = 30              -- logins this recent link accounts by shared IP or device
-- description: Trades where maker and taker are the same account, or accounts linked by a
--   shared login IP or device, and each trade takes both orders whole moments after the maker
--   order was placed: volume without risk. A market maker's order occasionally crossing its
--   own resting quote is not counted (old maker order, or partial fills).
-- runbook: Pull the accounts' order history for the symbol, check KYC links between them,
--   and whether the prints moved a price or volume ranking. Restrict trading on the accounts
--   pending review; report to compliance if confirmed.
WITH
    keys AS
    (
        -- What ties an account to others here: the IPs and devices of its successful logins.
        SELECT account_id, arrayJoin([concat('ip:', toString(ip)), if(device_id = '', '', concat('device:', device_id))]) AS k
        FROM user_logins
        WHERE outcome = 'success' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
    ),
    {{> account-links}}
    trades AS
    (
        SELECT event_id, symbol, price, quantity, maker_account_id, maker_order_id, taker_account_id,
               taker_order_id, maker_account_id = taker_account_id AS is_self, occurred_at, produced_at
        FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
          AND (maker_account_id = taker_account_id OR (maker_account_id, taker_account_id) IN (SELECT account_id, linked_to FROM links))
        LIMIT 1 BY event_id
    ),
    matched AS
    (
        -- Pre-arranged: both orders taken whole by the twin, the maker's placed just before. Each
        -- trade meets its two orders in one join (a row per order, is_maker telling them apart).
        SELECT t.event_id AS event_id, t.symbol AS symbol, t.price AS price, t.quantity AS quantity,
               t.maker_account_id AS maker_account_id, t.taker_account_id AS taker_account_id,
               t.is_self AS is_self, t.occurred_at AS occurred_at, t.produced_at AS produced_at,
               anyIf(o.placed_at, t.is_maker) AS maker_placed_at
        FROM
        (
            SELECT *, arrayJoin([(maker_order_id, true), (taker_order_id, false)]) AS leg, leg.1 AS order_id, leg.2 AS is_maker
            FROM trades
        ) AS t
        INNER JOIN
        (
            SELECT order_id, min(occurred_at) AS placed_at, any(quantity) AS quantity
            FROM engine_orders
            WHERE event = 'new' AND occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + 5 MINUTE
            GROUP BY order_id
        ) AS o ON o.order_id = t.order_id
        GROUP BY event_id, symbol, price, quantity, maker_account_id, taker_account_id, is_self, occurred_at, produced_at
        HAVING count() = 2 AND countIf(o.quantity = t.quantity) = 2
           AND dateDiff('millisecond', maker_placed_at, occurred_at) <= {{max_order_gap_ms}}
    )
SELECT
    least(maker_account_id, taker_account_id) AS entity,
    arrayFilter(x -> x != entity, [greatest(maker_account_id, taker_account_id)]) AS related,
    '' AS venue,
    min(occurred_at) AS first_seen,
    max(occurred_at) AS last_seen,
    -- The trade that reached the threshold is the trigger.
    arraySort(groupArray(produced_at))[toUInt32({{min_trades}})] AS trigger_at,
    concat(if(any(is_self), 'self-matching', 'linked accounts (shared IP or device)'), ': ',
           toString(count()), ' trades on ', arrayStringConcat(groupUniqArray(toString(symbol)), ','),
           ' worth ', toString(round(sum(price * quantity))), ' quote') AS summary,
    concat('{"trades":[', arrayStringConcat(groupArray(20)(toJSONString(map(
        'event_id', toString(event_id), 'symbol', toString(symbol), 'price', toString(price),
        'quantity', toString(quantity), 'maker', maker_account_id, 'taker', taker_account_id,
        'maker_order_age_ms', toString(dateDiff('millisecond', maker_placed_at, occurred_at)),
        'at', toString(occurred_at)))), ','), ']}') AS evidence
FROM matched
GROUP BY entity, related
HAVING count() >= {{min_trades}}
