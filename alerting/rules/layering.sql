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
    {{> order-events}}
    layers AS
    (
        -- Layers: resting limit orders cancelled with nothing filled, soon after they were placed.
        -- Those the spoofing rule counts (large, away from the last trade, gone within its lifetime)
        -- are its alert, not this one's: one behaviour, one alert. A block starts where the gap to
        -- the account's previous cancel on that side exceeds burst_ms: gaps, not clock buckets, so
        -- where a second or minute starts does not matter.
        SELECT *, sum(starts) OVER (PARTITION BY account_id, symbol, side, layer ORDER BY cancelled_at
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS block
        FROM
        (
            SELECT *, dateDiff('millisecond', lagInFrame(cancelled_at, 1, toDateTime64(0, 3, 'UTC')) OVER (
                          PARTITION BY account_id, symbol, side, layer ORDER BY cancelled_at
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), cancelled_at) > {{burst_ms}} AS starts
            FROM
            (
                SELECT *, cancelled_unfilled AND order_type = 'limit' AND time_in_force != 'ioc'
                              AND lifetime_ms <= {{max_lifetime_ms}}
                              AND NOT (quantity >= {{spoof_size_multiple}} * median_qty
                                       AND abs(price - touch) >= touch * {{spoof_distance_bps}} / 10000
                                       AND lifetime_ms <= {{spoof_lifetime_ms}}) AS layer
                FROM orders
            )
        )
    ),
    accounts AS
    (
        -- Per account and symbol: its layers, and its own orders and fills the other side is judged from.
        SELECT account_id, symbol,
               groupArrayIf((side, block, price, quantity, occurred_at, cancelled_at, cancel_produced_at, event_id), layer)
                   AS layered,
               groupArrayIf((side, event, occurred_at, quantity), event IN ('new', 'fill')) AS own,
               countIf(event = 'new') AS placed, uniqExactIf(trade_id, event = 'fill') AS trades
        FROM layers
        GROUP BY account_id, symbol
        HAVING countIf(layer) >= {{min_levels}}
    ),
    episodes AS
    (
        -- The other side: what the account placed there around the layers, and what filled while they rested.
        SELECT *,
               arraySum(arrayMap(e -> e.4, arrayFilter(e -> e.1 != side AND e.2 = 'new'
                   AND e.3 BETWEEN first_placed - INTERVAL {{pre_seconds}} SECOND AND cancelled_at, own))) AS other_qty,
               length(arrayFilter(e -> e.1 != side AND e.2 = 'fill' AND e.3 BETWEEN first_placed AND cancelled_at, own)) AS other_fills
        FROM
        (
            -- Each block stacked on min_levels prices and more (a step of its own: an alias is
            -- expanded at every use, so the block's layers are filtered once, not once per figure).
            SELECT account_id, symbol, placed, trades, own, side,
                   length(arrayDistinct(arrayMap(l -> l.3, rows))) AS levels,
                   length(rows) AS layer_orders, arraySum(arrayMap(l -> l.4, rows)) AS layer_qty,
                   arrayMin(arrayMap(l -> l.5, rows)) AS first_placed, arrayMax(arrayMap(l -> l.6, rows)) AS cancelled_at,
                   arrayMax(arrayMap(l -> l.7, rows)) AS cancel_produced_at,
                   arraySlice(arrayMap(l -> l.3, rows), 1, 10) AS prices
            FROM
            (
                SELECT account_id, symbol, placed, trades, own, key.1 AS side,
                       -- The block's layers in the order they were cancelled (then placed).
                       arraySort(l -> (l.6, l.5, l.8), arrayFilter(l -> l.1 = key.1 AND l.2 = key.2, layered)) AS rows
                FROM accounts
                ARRAY JOIN arrayDistinct(arrayMap(l -> (l.1, l.2), layered)) AS key
            )
            WHERE levels >= {{min_levels}}
        )
        WHERE other_fills >= 1 AND layer_qty >= {{min_imbalance}} * other_qty
    )
SELECT
    account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(first_placed) AS first_seen,
    max(cancelled_at) AS last_seen,
    -- The block that made the count.
    arraySort(groupArray(cancel_produced_at))[toUInt32({{min_episodes}})] AS trigger_at,
    any(placed) / greatest(any(trades), 1) AS order_trade_ratio,
    concat(toString(count()), ' blocks of ', toString(round(avg(levels), 1)), ' levels on ', symbol,
           ' cancelled unfilled while the other side filled; ', toString(any(placed)), ' orders for ',
           toString(any(trades)), ' trades') AS summary,
    -- The first 20 blocks in the order they were cancelled.
    concat('{"symbol":"', symbol, '","orders":', toString(any(placed)), ',"trades":', toString(any(trades)),
           ',"blocks":[', arrayStringConcat(arraySlice(arrayMap(x -> x.2, arraySort(groupArray((cancelled_at, toJSONString(map(
               'side', side, 'levels', toString(levels), 'orders', toString(layer_orders),
               'quantity', toString(layer_qty), 'prices', toString(prices),
               'other_side_quantity', toString(other_qty), 'other_side_fills', toString(other_fills),
               'first_placed', toString(first_placed), 'cancelled_at', toString(cancelled_at))))))), 1, 20), ','), ']}') AS evidence
FROM episodes
GROUP BY account_id, symbol
HAVING count() >= {{min_episodes}} AND order_trade_ratio >= {{min_order_trade_ratio}}
