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
    ),
    marked AS
    (
        -- Each update of the last two recent windows with the share of thin updates in the
        -- recent_seconds before it: the update at which thin ones became half of that window is
        -- the one that made the median condition true (the trigger), not the first thin one.
        SELECT b.venue AS venue, b.symbol AS symbol, b.occurred_at AS occurred_at, b.produced_at AS produced_at,
               b.depth AS depth, b.recent AS recent, base.depth_base AS usual,
               b.depth <= usual * {{ratio_pct}} / 100 AS thin,
               countIf(thin) OVER w * 2 >= count() OVER w AS thin_half
        FROM b
        INNER JOIN base ON base.venue = b.venue AND base.symbol = b.symbol
        WHERE b.occurred_at >= now64(3) - INTERVAL 2 * {{recent_seconds}} SECOND
        WINDOW w AS (PARTITION BY b.venue, b.symbol ORDER BY toUnixTimestamp64Milli(b.occurred_at)
            RANGE BETWEEN {{recent_seconds}} * 1000 PRECEDING AND CURRENT ROW)
    )
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    quantile(0.5)(depth) AS depth_now,
    any(usual) AS usual_depth,
    minIf(occurred_at, thin) AS first_seen,
    maxIf(occurred_at, thin) AS last_seen,
    -- The median is a quantile estimate: if no single update shows the half, the latest thin one.
    if(countIf(thin AND thin_half) > 0, minIf(produced_at, thin AND thin_half), maxIf(produced_at, thin)) AS trigger_at,
    concat('top-of-book depth ', toString(round(depth_now)), ' (usual ', toString(round(usual_depth)), ')') AS summary,
    concat('{"depth_now":', toString(round(depth_now, 2)), ',"depth_usual":', toString(round(usual_depth, 2)), '}') AS evidence
FROM marked
WHERE recent
GROUP BY venue, symbol
HAVING count() >= {{min_updates}} AND depth_now <= usual_depth * {{ratio_pct}} / 100
