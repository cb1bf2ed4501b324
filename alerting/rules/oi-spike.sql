-- rule: oi-spike
-- title: Open-interest spike with a price move
-- severity: high
-- entity: market
-- episode_gap_s: 900
-- refresh_s: 2
-- resolve_after_s: 600
-- threshold: window_seconds = 300        -- change over this many seconds
-- threshold: oi_change_pct = 5           -- open interest changed at least this much (either way, %)
-- threshold: price_move_bps = 100        -- while the price moved at least this much (either way)
-- threshold: stale_seconds = 180         -- the current open-interest figure at most this old
-- description: Open interest jumped (new leverage piling in) or collapsed (forced
--   deleveraging) over the window while the last trade price moved: positioning and price
--   moving together. Open interest changing at a steady price (a basis trade being built) and
--   a price move with steady open interest (price-spike's business) do not fire.
-- runbook: Direction matters: OI up with price up is leveraged longs chasing (watch for a
--   later long squeeze), OI down with price down is a flush (liquidation-cascade likely fired
--   too). Check funding and basis (Derivatives dashboard), our own exposure and margin buffers.
WITH
    o AS
    (
        SELECT venue, symbol,
               argMaxIf(open_interest, occurred_at, occurred_at <= now64(3) - INTERVAL {{window_seconds}} SECOND) AS oi_before,
               countIf(occurred_at <= now64(3) - INTERVAL {{window_seconds}} SECOND) AS before_n,
               argMax(open_interest, occurred_at) AS oi_now,
               max(occurred_at) AS oi_at,
               argMax(produced_at, occurred_at) AS oi_produced
        FROM market_open_interest AS moi
        WHERE moi.occurred_at >= now64(3) - INTERVAL 2 * {{window_seconds}} SECOND AND moi.occurred_at <= now64(3)
        GROUP BY venue, symbol
        HAVING before_n > 0 AND oi_before > 0 AND oi_at >= now64(3) - INTERVAL {{stale_seconds}} SECOND
    ),
    p AS
    (
        SELECT venue, symbol,
               argMaxIf(price, occurred_at, occurred_at <= now64(3) - INTERVAL {{window_seconds}} SECOND) AS px_before,
               countIf(occurred_at <= now64(3) - INTERVAL {{window_seconds}} SECOND) AS before_n,
               argMax(price, occurred_at) AS px_now,
               argMax(produced_at, occurred_at) AS px_produced
        FROM market_trades AS mt
        WHERE mt.occurred_at >= now64(3) - INTERVAL 2 * {{window_seconds}} SECOND AND mt.occurred_at <= now64(3)
        GROUP BY venue, symbol
        HAVING before_n > 0
    )
SELECT
    concat(toString(o.venue), ':', toString(o.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(o.venue) AS venue,
    (o.oi_now / o.oi_before - 1) * 100 AS oi_pct,
    (p.px_now / p.px_before - 1) * 10000 AS move_bps,
    -- Stable per episode: the minute the window began.
    toStartOfMinute(now64(3) - INTERVAL {{window_seconds}} SECOND) AS first_seen,
    o.oi_at AS last_seen,
    greatest(o.oi_produced, p.px_produced) AS trigger_at,
    concat('open interest ', if(oi_pct > 0, '+', ''), toString(round(oi_pct, 1)), ' % and price ',
           if(move_bps > 0, '+', ''), toString(round(move_bps)), ' bps in ', toString({{window_seconds}}), ' s') AS summary,
    concat('{"oi_before":', toString(o.oi_before), ',"oi_now":', toString(o.oi_now), ',"oi_change_pct":',
           toString(round(oi_pct, 2)), ',"price_before":', toString(p.px_before), ',"price_now":',
           toString(p.px_now), ',"move_bps":', toString(round(move_bps, 1)), '}') AS evidence
FROM o
INNER JOIN p ON p.venue = o.venue AND p.symbol = o.symbol
WHERE abs(oi_pct) >= {{oi_change_pct}} AND abs(move_bps) >= {{price_move_bps}}
