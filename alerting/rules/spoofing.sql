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
    {{> order-events}}
    judged AS
    (
        -- Spoofs: large new limit orders away from the touch, cancelled quickly with nothing filled.
        SELECT *, abs(price - touch) / touch * 10000 AS distance_bps,
               cancelled_unfilled AND price IS NOT NULL AND quantity >= {{size_multiple}} * median_qty
                   AND touch > 0 AND distance_bps >= {{min_distance_bps}} AND lifetime_ms <= {{max_lifetime_ms}} AS spoof
        FROM orders
    )
SELECT
    account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    first_seen,
    last_seen,
    trigger_at,
    -- The account's fills on the other side while one of its spoofs on the symbol rested.
    length(arrayFilter(f -> arrayExists(s -> s.1 = f.1 AND s.2 != f.2 AND f.3 BETWEEN s.3 AND s.4, spoofs), own_fills)) AS fills,
    concat(toString(length(spoofs)), ' large orders on ', arrayStringConcat(symbols, ','), ' cancelled unfilled within ',
           toString(round(max_lifetime_ms / 1000, 1)), ' s, ', toString(fills), ' fills on the other side') AS summary,
    concat('{"cancelled_large_orders":[', arrayStringConcat(cancelled, ','), '],"opposite_fills":', toString(fills), '}') AS evidence
FROM
(
    -- Aggregated in a step of its own: an alias is expanded (and analysed) at every use, and the
    -- fill count is used three times.
    SELECT account_id,
           minIf(occurred_at, spoof) AS first_seen,
           maxIf(cancelled_at, spoof) AS last_seen,
           arraySort(groupArrayIf(cancel_produced_at, spoof))[toUInt32({{min_cancelled}})] AS trigger_at,
           groupArrayIf((symbol, side, occurred_at, cancelled_at), spoof) AS spoofs,
           groupArrayIf((symbol, side, occurred_at), event = 'fill') AS own_fills,
           groupUniqArrayIf(symbol, spoof) AS symbols,
           maxIf(lifetime_ms, spoof) AS max_lifetime_ms,
           -- The first 20 in the order they were placed.
           arraySlice(arrayMap(x -> x.2, arraySort(groupArrayIf((occurred_at, toJSONString(map(
               'order_id', order_id, 'symbol', symbol, 'side', side, 'price', toString(price),
               'quantity', toString(quantity), 'bps_from_touch', toString(round(distance_bps, 1)),
               'lifetime_ms', toString(lifetime_ms), 'placed_at', toString(occurred_at)))), spoof))), 1, 20) AS cancelled
    FROM judged
    GROUP BY account_id
    HAVING countIf(spoof) >= {{min_cancelled}}
)
-- At least one fill whatever the threshold: the pattern is false depth while the other side fills.
WHERE fills >= greatest({{min_opposite_fills}}, 1)
