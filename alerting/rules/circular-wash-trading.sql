-- rule: circular-wash-trading
-- title: Circular wash trading: linked accounts passing one clip round a ring
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: min_cycles = 2              -- cycles A→B→C→A in the lookback
-- threshold: cycle_seconds = 60          -- from the first leg of a cycle to its last
-- threshold: max_price_diff_bps = 20     -- each leg's price this close to the first leg's
-- threshold: max_size_diff_pct = 1       -- each leg's size this close to the first leg's
-- threshold: lookback_minutes = 15       -- how far back each evaluation reads executions
-- threshold: link_days = 30              -- logins and withdrawals this recent link accounts
-- description: Three accounts, each pair linked by a shared login IP, a shared device or an
--   external wallet both withdrew to (one owner behind them), trade one symbol round a cycle:
--   A sells to B, B to C, C back to A, at about one price and size within a minute. The
--   position ends where it began; the volume is fake. The pairwise wash-trading rule sees
--   none of it when each pair trades only now and then, or when the link is the wallet.
-- runbook: Pull the three accounts' orders on the symbol and their KYC files; check who
--   funded them and where withdrawals went (the evidence names each link). Look for more
--   accounts on the same links (rings grow). Restrict trading pending review; report to
--   compliance if confirmed.
WITH
    trades AS
    (
        SELECT event_id, toString(symbol) AS symbol, price, quantity, occurred_at AS at, produced_at,
               if(aggressor_side = 'buy', maker_account_id, taker_account_id) AS seller,
               if(aggressor_side = 'buy', taker_account_id, maker_account_id) AS buyer
        FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE AND maker_account_id != taker_account_id
        LIMIT 1 BY event_id
    ),
    keys AS
    (
        -- What ties an account to others: its login IPs and devices, the wallets it withdrew to.
        SELECT DISTINCT account_id, k
        FROM
        (
            SELECT account_id, [concat('ip:', toString(ip)), if(device_id = '', '', concat('device:', device_id))] AS ks
            FROM user_logins
            WHERE outcome = 'success' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
            UNION ALL
            SELECT account_id, [concat('wallet:', address)] AS ks
            FROM user_funds
            WHERE direction = 'withdrawal' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
        )
        ARRAY JOIN ks AS k
        WHERE k != '' AND account_id IN (SELECT seller FROM trades)
    ),
    edges AS
    (
        -- Trades between two linked accounts, with what links them.
        SELECT t.event_id AS event_id, t.symbol AS symbol, t.price AS price, t.quantity AS quantity, t.at AS at,
               t.produced_at AS produced_at, t.seller AS seller, t.buyer AS buyer, l.via AS via
        FROM trades AS t
        INNER JOIN
        (
            SELECT a.account_id AS x, b.account_id AS y, groupUniqArray(a.k) AS via
            FROM keys AS a INNER JOIN keys AS b ON a.k = b.k
            WHERE a.account_id != b.account_id
            GROUP BY x, y
        ) AS l ON l.x = t.seller AND l.y = t.buyer
    ),
    cycles AS
    (
        -- A→B, then B→C, then C→A (the links make A, B and C distinct), one clip at one price.
        SELECT e1.symbol AS symbol, [e1.seller, e2.seller, e3.seller] AS ring, e1.event_id AS first_leg,
               e1.at AS first_at, e3.at AS last_at, e3.produced_at AS closed_produced,
               e1.price * e1.quantity AS notional,
               toJSONString(map('symbol', e1.symbol, 'ring', arrayStringConcat([e1.seller, e2.seller, e3.seller], '→'),
                   'prices', arrayStringConcat([toString(e1.price), toString(e2.price), toString(e3.price)], '/'),
                   'sizes', arrayStringConcat([toString(e1.quantity), toString(e2.quantity), toString(e3.quantity)], '/'),
                   'links', arrayStringConcat(arrayDistinct(arrayConcat(e1.via, e2.via, e3.via)), ','),
                   'from', toString(e1.at), 'to', toString(e3.at))) AS json
        FROM edges AS e1
        INNER JOIN edges AS e2 ON e2.symbol = e1.symbol AND e2.seller = e1.buyer
        INNER JOIN edges AS e3 ON e3.symbol = e1.symbol AND e3.seller = e2.buyer AND e3.buyer = e1.seller
        WHERE e1.at <= e2.at AND e2.at <= e3.at AND e3.at <= e1.at + INTERVAL {{cycle_seconds}} SECOND
          AND abs(e2.price / e1.price - 1) * 10000 <= {{max_price_diff_bps}}
          AND abs(e3.price / e1.price - 1) * 10000 <= {{max_price_diff_bps}}
          AND abs(e2.quantity / e1.quantity - 1) * 100 <= {{max_size_diff_pct}}
          AND abs(e3.quantity / e1.quantity - 1) * 100 <= {{max_size_diff_pct}}
        -- A leg that could close several cycles counts once, in the first that closes.
        ORDER BY last_at
        LIMIT 1 BY first_leg
    )
SELECT
    arraySort(ring)[1] AS entity,
    arrayFilter(x -> x != entity, arrayDistinct(flatten(groupArray(ring)))) AS related,
    '' AS venue,
    min(first_at) AS first_seen,
    max(last_at) AS last_seen,
    -- The last leg of the cycle that reached the threshold is the trigger.
    arraySort(groupArray(closed_produced))[toUInt32({{min_cycles}})] AS trigger_at,
    concat(toString(count()), ' cycles round ', arrayStringConcat(arrayDistinct(flatten(groupArray(ring))), '→'), ' on ',
           arrayStringConcat(groupUniqArray(symbol), ','), ' worth ', toString(round(sum(notional) * 3)), ' quote') AS summary,
    concat('{"cycles":[', arrayStringConcat(groupArray(20)(json), ','), ']}') AS evidence
FROM cycles
GROUP BY entity
HAVING count() >= {{min_cycles}}
