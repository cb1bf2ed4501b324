-- rule: price-spike
-- title: Price spike on a market
-- severity: high
-- entity: market
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 120
-- threshold: window_seconds = 60         -- trades in this many seconds
-- threshold: spike_bps = 200             -- moved this far from the last price before the window
-- description: A venue's symbol traded more than the threshold away from where it stood just
--   before the window (up or down).
-- runbook: Confirm on a second venue (a one-venue spike is a feed or a local squeeze); check
--   liquidations and our exposure; pause price-referencing automation if it is a bad print.
WITH
    t AS
    (
        SELECT venue, symbol, price, occurred_at, produced_at,
               occurred_at >= now64(3) - INTERVAL {{window_seconds}} SECOND AS recent
        FROM market_trades
        WHERE occurred_at >= now64(3) - INTERVAL 10 * {{window_seconds}} SECOND
    ),
    ref AS
    (
        -- The last price before the window.
        SELECT venue, symbol, argMax(price, occurred_at) AS ref_price FROM t WHERE NOT recent GROUP BY venue, symbol
    )
SELECT
    concat(toString(t.venue), ':', toString(t.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(t.venue) AS venue,
    ref.ref_price AS reference,
    max(abs(t.price / reference - 1) * 10000) AS move_bps,
    minIf(t.occurred_at, abs(t.price / reference - 1) * 10000 >= {{spike_bps}}) AS first_seen,
    maxIf(t.occurred_at, abs(t.price / reference - 1) * 10000 >= {{spike_bps}}) AS last_seen,
    minIf(t.produced_at, abs(t.price / reference - 1) * 10000 >= {{spike_bps}}) AS trigger_at,
    concat('moved ', toString(round(move_bps)), ' bps from ', toString(reference), ' within ',
           toString({{window_seconds}}), ' s') AS summary,
    concat('{"reference_price":', toString(reference), ',"move_bps":', toString(round(move_bps, 1)),
           ',"extreme_price":', toString(argMax(t.price, abs(t.price / reference - 1))), '}') AS evidence
FROM t
INNER JOIN ref ON ref.venue = t.venue AND ref.symbol = t.symbol
WHERE t.recent
GROUP BY t.venue, t.symbol, ref.ref_price
HAVING move_bps >= {{spike_bps}}
