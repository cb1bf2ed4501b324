-- rule: depth-collapse
-- title: Depth collapse at the top of a book
-- severity: warning
-- entity: market
-- episode_gap_s: 120
-- refresh_s: 2
-- resolve_after_s: 60
-- threshold: recent_seconds = 30         -- top-of-book depth now: median over this many seconds
-- threshold: baseline_minutes = 30       -- against the median over this many minutes before
-- threshold: ratio_pct = 20              -- now at most this percentage of the baseline
-- threshold: min_updates = 3             -- L1 updates in the recent window
-- description: The quote-currency value resting at the best bid and ask of a venue's symbol
--   has fallen to a small fraction of its usual median: liquidity left the book.
-- runbook: Look for a venue incident or a large liquidation; check integrity alerts for the
--   venue first (a broken feed also looks thin). Reduce size routed to this venue meanwhile.
WITH
    b AS
    (
        SELECT venue, symbol, occurred_at, produced_at,
               bid_price * bid_quantity + ask_price * ask_quantity AS depth,
               occurred_at >= now64(3) - INTERVAL {{recent_seconds}} SECOND AS recent
        FROM market_book_l1
        WHERE occurred_at >= now64(3) - INTERVAL {{baseline_minutes}} MINUTE - INTERVAL {{recent_seconds}} SECOND
    ),
    base AS
    (
        SELECT venue, symbol, quantile(0.5)(depth) AS depth_base FROM b WHERE NOT recent GROUP BY venue, symbol
    )
SELECT
    concat(toString(b.venue), ':', toString(b.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(b.venue) AS venue,
    quantile(0.5)(b.depth) AS depth_now,
    base.depth_base AS usual,
    minIf(b.occurred_at, b.depth <= usual * {{ratio_pct}} / 100) AS first_seen,
    maxIf(b.occurred_at, b.depth <= usual * {{ratio_pct}} / 100) AS last_seen,
    minIf(b.produced_at, b.depth <= usual * {{ratio_pct}} / 100) AS trigger_at,
    concat('top-of-book depth ', toString(round(depth_now)), ' (usual ', toString(round(usual)), ')') AS summary,
    concat('{"depth_now":', toString(round(depth_now, 2)), ',"depth_usual":', toString(round(usual, 2)), '}') AS evidence
FROM b
INNER JOIN base ON base.venue = b.venue AND base.symbol = b.symbol
WHERE b.recent
GROUP BY b.venue, b.symbol, base.depth_base
HAVING count() >= {{min_updates}} AND depth_now <= usual * {{ratio_pct}} / 100
