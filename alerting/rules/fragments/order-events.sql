orders AS
(
    -- Each order event of the lookback once, a new order with what judging it needs: the
    -- symbol's median new-order size, the last trade price before it (the touch, 0 if none) and
    -- its cancel with nothing filled (the earliest if several). Read once and carried on by
    -- window functions and arrays, not joined to itself: ClickHouse analyses a subquery again at
    -- every reference, and that analysis, not the data, was this rule's cost.
    SELECT o.account_id AS account_id, o.order_id AS order_id, toString(o.symbol) AS symbol,
           toString(o.side) AS side, o.price AS price, o.quantity AS quantity, o.event AS event,
           o.order_type AS order_type, o.time_in_force AS time_in_force, o.trade_id AS trade_id,
           o.occurred_at AS occurred_at, o.event_id AS event_id, t.price AS touch,
           quantileIf(0.5)(o.quantity, o.event = 'new') OVER (PARTITION BY o.symbol) AS median_qty,
           argMinIf((o.occurred_at, o.produced_at), o.occurred_at, o.event = 'cancel' AND o.filled_quantity = 0)
               OVER (PARTITION BY o.order_id) AS cancel,
           cancel.1 AS cancelled_at, cancel.2 AS cancel_produced_at,
           -- A new order gone unfilled: its cancel, and how long it rested.
           cancelled_at > toDateTime64(0, 3, 'UTC') AND o.event = 'new' AS cancelled_unfilled,
           dateDiff('millisecond', o.occurred_at, cancelled_at) AS lifetime_ms
    FROM
    (
        SELECT account_id, order_id, symbol, side, price, quantity, filled_quantity, event, order_type,
               time_in_force, trade_id, occurred_at, produced_at, event_id
        FROM engine_orders
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        LIMIT 1 BY event_id
    ) AS o
    ASOF LEFT JOIN
    (
        SELECT symbol, occurred_at, price FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + 5 MINUTE
    ) AS t ON t.symbol = o.symbol AND o.occurred_at >= t.occurred_at
),
