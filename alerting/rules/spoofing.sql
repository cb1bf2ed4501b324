-- rule: spoofing
-- title: Spoofing/layering: large orders away from the touch, cancelled within seconds
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: size_multiple = 10          -- "large": at least this many times the symbol's median order
-- threshold: min_distance_bps = 3        -- away from the touch: this far from the last trade price
-- threshold: max_lifetime_ms = 5000      -- cancelled within this long, with nothing filled
-- threshold: min_cancelled = 6           -- large orders on one symbol cancelled like that in the lookback
-- threshold: min_opposite_fills = 2      -- fills of the same account on the other side meanwhile
-- threshold: lookback_minutes = 15
-- description: An account places large orders a few ticks behind the touch, cancels them
--   unfilled within seconds, repeatedly, while its orders on the other side fill: false depth
--   to lure the other side.
-- runbook: Replay the account's order book activity for the symbol around the alert; compare
--   the cancelled sizes with its usual size and its fills. Escalate to market surveillance;
--   consider order-to-trade limits on the account.
WITH
    orders AS
    (
        SELECT account_id, order_id, symbol, side, price, quantity, occurred_at, produced_at, event, filled_quantity, event_id
        FROM engine_orders
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        LIMIT 1 BY event_id
    ),
    medians AS
    (
        SELECT symbol, quantile(0.5)(quantity) AS median_qty
        FROM orders WHERE event = 'new' GROUP BY symbol
    ),
    tape AS
    (
        SELECT symbol, occurred_at, price FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + 5 MINUTE
    ),
    large_new AS
    (
        -- Large new limit orders, with the last trade price before them as the touch.
        SELECT o.account_id AS account_id, o.order_id AS order_id, o.symbol AS symbol, o.side AS side,
               o.price AS price, o.quantity AS quantity, o.occurred_at AS placed_at,
               abs(o.price - t.price) / t.price * 10000 AS distance_bps
        FROM (SELECT * FROM orders WHERE event = 'new' AND price IS NOT NULL) AS o
        INNER JOIN medians AS m ON m.symbol = o.symbol
        ASOF LEFT JOIN tape AS t ON t.symbol = o.symbol AND o.occurred_at >= t.occurred_at
        WHERE o.quantity >= {{size_multiple}} * m.median_qty AND t.price > 0
    ),
    spoofs AS
    (
        -- Those cancelled quickly with nothing filled.
        SELECT l.*, c.occurred_at AS cancelled_at, c.produced_at AS cancel_produced_at
        FROM large_new AS l
        INNER JOIN (SELECT order_id, occurred_at, produced_at, filled_quantity FROM orders WHERE event = 'cancel') AS c
            ON c.order_id = l.order_id
        WHERE l.distance_bps >= {{min_distance_bps}}
          AND c.filled_quantity = 0
          AND dateDiff('millisecond', l.placed_at, c.occurred_at) <= {{max_lifetime_ms}}
    ),
    opposite AS
    (
        -- The account's fills on the other side while a spoof rested.
        SELECT DISTINCT f.event_id AS event_id, f.account_id AS account_id, f.symbol AS symbol,
               f.side AS side, f.occurred_at AS occurred_at
        FROM (SELECT * FROM orders WHERE event = 'fill') AS f
        INNER JOIN spoofs AS s ON s.account_id = f.account_id AND s.symbol = f.symbol
        WHERE f.side != s.side AND f.occurred_at BETWEEN s.placed_at AND s.cancelled_at
    )
SELECT
    s.account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(s.placed_at) AS first_seen,
    max(s.cancelled_at) AS last_seen,
    arraySort(groupArray(s.cancel_produced_at))[toUInt32({{min_cancelled}})] AS trigger_at,
    concat(toString(count()), ' large orders on ', arrayStringConcat(groupUniqArray(toString(s.symbol)), ','),
           ' cancelled unfilled within ', toString(round(max(dateDiff('millisecond', s.placed_at, s.cancelled_at)) / 1000, 1)),
           ' s, ', toString(any(o.fills)), ' fills on the other side') AS summary,
    concat('{"cancelled_large_orders":[', arrayStringConcat(groupArray(20)(toJSONString(map(
        'order_id', s.order_id, 'symbol', toString(s.symbol), 'side', toString(s.side), 'price', toString(s.price),
        'quantity', toString(s.quantity), 'bps_from_touch', toString(round(s.distance_bps, 1)),
        'lifetime_ms', toString(dateDiff('millisecond', s.placed_at, s.cancelled_at)),
        'placed_at', toString(s.placed_at)))), ','), '],"opposite_fills":', toString(any(o.fills)), '}') AS evidence
FROM spoofs AS s
INNER JOIN (SELECT account_id, count() AS fills FROM opposite GROUP BY account_id) AS o ON o.account_id = s.account_id
GROUP BY s.account_id
HAVING count() >= {{min_cancelled}} AND any(o.fills) >= {{min_opposite_fills}}
