-- rule: layering
-- title: Layering: orders stacked on several price levels, cancelled together while the other side fills
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: min_levels = 3              -- distinct prices among the orders cancelled together on one side
-- threshold: burst_ms = 1000             -- cancels this close to the account's previous one on that side are one block
-- threshold: max_lifetime_ms = 30000     -- a layer rested at most this long, and nothing of it filled
-- threshold: pre_seconds = 10            -- the other side's orders placed this long before the first layer count too
-- threshold: min_imbalance = 4           -- the cancelled block outweighs what the account put on the other side this many times
-- threshold: min_episodes = 3            -- blocks like that in the lookback
-- threshold: min_order_trade_ratio = 2   -- the account's new orders per trade on the symbol
-- threshold: lookback_minutes = 15
-- threshold: spoof_size_multiple = 10    -- = spoofing's size_multiple: orders that rule counts are left to it
-- threshold: spoof_distance_bps = 3      -- = spoofing's min_distance_bps
-- threshold: spoof_lifetime_ms = 5000    -- = spoofing's max_lifetime_ms
-- description: An account stacks limit orders on several price levels of one side, and cancels
--   them in one block, unfilled, soon after its own orders on the other side filled while they
--   rested: depth shown to move the price towards its real order, then withdrawn. Repeated, with
--   many orders per trade. A market maker quoting several levels on both sides also cancels in
--   blocks, but its depth is balanced (what it shows on one side it shows on the other), so the
--   block does not outweigh its other side.
-- runbook: Replay the account's orders on the symbol around each block (evidence: levels,
--   quantities, the other side's fills); compare its cancelled depth with its fills. Escalate to
--   market surveillance; consider order-to-trade limits or cancel throttles on the account.
WITH
    orders AS
    (
        SELECT account_id, order_id, symbol, side, price, quantity, filled_quantity, event, order_type,
               time_in_force, trade_id, occurred_at, produced_at, event_id
        FROM engine_orders
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        LIMIT 1 BY event_id
    ),
    median_size AS
    (
        SELECT symbol, quantile(0.5)(quantity) AS median_qty FROM orders WHERE event = 'new' GROUP BY symbol
    ),
    layers AS
    (
        -- Resting limit orders cancelled with nothing filled, soon after they were placed. Those the
        -- spoofing rule counts (large, away from the last trade, gone within its lifetime) are its
        -- alert, not this one's: one behaviour, one alert.
        SELECT n.account_id AS account_id, toString(n.symbol) AS symbol, toString(n.side) AS side, n.price AS price,
               n.quantity AS quantity, n.occurred_at AS placed_at, c.occurred_at AS cancelled_at,
               c.produced_at AS cancel_produced_at
        FROM (SELECT * FROM orders WHERE event = 'new' AND order_type = 'limit' AND time_in_force != 'ioc') AS n
        INNER JOIN (SELECT order_id, occurred_at, produced_at FROM orders WHERE event = 'cancel' AND filled_quantity = 0) AS c
            ON c.order_id = n.order_id
        INNER JOIN median_size AS m ON m.symbol = n.symbol
        ASOF LEFT JOIN (SELECT symbol, occurred_at, price FROM engine_executions
                        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + 5 MINUTE) AS t
            ON t.symbol = n.symbol AND n.occurred_at >= t.occurred_at
        WHERE dateDiff('millisecond', n.occurred_at, c.occurred_at) <= {{max_lifetime_ms}}
          AND NOT (n.quantity >= {{spoof_size_multiple}} * m.median_qty
                   AND abs(n.price - t.price) >= t.price * {{spoof_distance_bps}} / 10000
                   AND dateDiff('millisecond', n.occurred_at, c.occurred_at) <= {{spoof_lifetime_ms}})
    ),
    blocks AS
    (
        -- A block starts where the gap to the account's previous cancel on that side exceeds
        -- burst_ms: gaps, not clock buckets, so where a second or minute starts does not matter.
        SELECT account_id, symbol, side, price, quantity, placed_at, cancelled_at, cancel_produced_at,
               sum(starts) OVER (PARTITION BY account_id, symbol, side ORDER BY cancelled_at
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS block
        FROM
        (
            SELECT *, dateDiff('millisecond', lagInFrame(cancelled_at, 1, toDateTime64(0, 3, 'UTC')) OVER (
                          PARTITION BY account_id, symbol, side ORDER BY cancelled_at
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), cancelled_at) > {{burst_ms}} AS starts
            FROM layers
        )
    ),
    stacked AS
    (
        SELECT account_id, symbol, side, block, uniqExact(price) AS levels, count() AS layer_orders,
               sum(quantity) AS layer_qty, min(placed_at) AS first_placed, max(cancelled_at) AS cancelled_at,
               max(cancel_produced_at) AS cancel_produced_at, groupArray(10)(price) AS prices
        FROM blocks
        GROUP BY account_id, symbol, side, block
        HAVING levels >= {{min_levels}}
    ),
    episodes AS
    (
        -- The other side: what the account placed there around the layers, and what filled while they rested.
        SELECT s.account_id AS account_id, s.symbol AS symbol, s.side AS side, s.levels AS levels,
               s.layer_orders AS layer_orders, s.layer_qty AS layer_qty, s.first_placed AS first_placed,
               s.cancelled_at AS cancelled_at, s.cancel_produced_at AS cancel_produced_at, s.prices AS prices,
               sumIf(o.quantity, o.event = 'new'
                     AND o.occurred_at BETWEEN s.first_placed - INTERVAL {{pre_seconds}} SECOND AND s.cancelled_at) AS other_qty,
               countIf(o.event = 'fill' AND o.occurred_at BETWEEN s.first_placed AND s.cancelled_at) AS other_fills
        FROM stacked AS s
        INNER JOIN orders AS o ON o.account_id = s.account_id AND toString(o.symbol) = s.symbol AND toString(o.side) != s.side
        GROUP BY s.account_id, s.symbol, s.side, s.block, s.levels, s.layer_orders, s.layer_qty, s.first_placed,
                 s.cancelled_at, s.cancel_produced_at, s.prices
        HAVING other_fills >= 1 AND layer_qty >= {{min_imbalance}} * other_qty
    ),
    activity AS
    (
        SELECT account_id, toString(symbol) AS symbol, countIf(event = 'new') AS placed,
               uniqExactIf(trade_id, event = 'fill') AS trades
        FROM orders
        WHERE account_id IN (SELECT account_id FROM episodes)
        GROUP BY account_id, symbol
    )
SELECT
    e.account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(e.first_placed) AS first_seen,
    max(e.cancelled_at) AS last_seen,
    -- The block that made the count.
    arraySort(groupArray(e.cancel_produced_at))[toUInt32({{min_episodes}})] AS trigger_at,
    any(a.placed) / greatest(any(a.trades), 1) AS order_trade_ratio,
    concat(toString(count()), ' blocks of ', toString(round(avg(e.levels), 1)), ' levels on ', e.symbol,
           ' cancelled unfilled while the other side filled; ', toString(any(a.placed)), ' orders for ',
           toString(any(a.trades)), ' trades') AS summary,
    concat('{"symbol":"', e.symbol, '","orders":', toString(any(a.placed)), ',"trades":', toString(any(a.trades)),
           ',"blocks":[', arrayStringConcat(groupArray(20)(toJSONString(map(
               'side', e.side, 'levels', toString(e.levels), 'orders', toString(e.layer_orders),
               'quantity', toString(e.layer_qty), 'prices', toString(e.prices),
               'other_side_quantity', toString(e.other_qty), 'other_side_fills', toString(e.other_fills),
               'first_placed', toString(e.first_placed), 'cancelled_at', toString(e.cancelled_at)))), ','), ']}') AS evidence
FROM episodes AS e
INNER JOIN activity AS a ON a.account_id = e.account_id AND a.symbol = e.symbol
GROUP BY e.account_id, e.symbol
HAVING count() >= {{min_episodes}} AND order_trade_ratio >= {{min_order_trade_ratio}}
