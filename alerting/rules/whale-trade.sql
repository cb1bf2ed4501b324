-- rule: whale-trade
-- title: Whale trade: a trade far above the symbol's own sizes
-- severity: warning
-- entity: market
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 300
-- threshold: window_seconds = 60         -- trades this recent are judged
-- threshold: baseline_minutes = 30       -- against the symbol's trades of this many minutes before
-- threshold: sigma = 4                   -- ln(notional) at least this many standard deviations above the mean
-- threshold: min_notional = 100000       -- and at least this notional (quote asset)
-- threshold: min_baseline_trades = 50    -- judged only with this many trades to compare with
-- description: A trade whose notional (price × quantity) is an outlier of the same venue and
--   symbol's own recent sizes (log-normal: mean + sigma × sd of ln notional), so a normal
--   block on a big market is not a whale and a small market's ordinary trade is not either.
-- runbook: Check who it was on our own book (engine executions at that time), whether it
--   moved the price (price-spike, market_1m) and whether funding/OI moved after it; a whale on
--   one venue only may be a venue-specific flow worth a note to the desk.
WITH
    t AS
    (
        SELECT venue, symbol, price * quantity AS notional, occurred_at, produced_at,
               occurred_at >= now64(3) - INTERVAL {{window_seconds}} SECOND AS recent
        FROM market_trades AS mt
        WHERE mt.occurred_at >= now64(3) - INTERVAL {{window_seconds}} SECOND - INTERVAL {{baseline_minutes}} MINUTE
          AND mt.occurred_at <= now64(3)
    ),
    base AS
    (
        SELECT venue, symbol, count() AS n, avg(log(notional)) AS mu, stddevPop(log(notional)) AS sd
        FROM t WHERE NOT recent GROUP BY venue, symbol
        HAVING n >= {{min_baseline_trades}} AND sd > 0
    )
SELECT
    concat(toString(t.venue), ':', toString(t.symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(t.venue) AS venue,
    exp(base.mu + {{sigma}} * base.sd) AS whale_bar,
    count() AS whales,
    min(t.occurred_at) AS first_seen,
    max(t.occurred_at) AS last_seen,
    min(t.produced_at) AS trigger_at,
    concat(toString(whales), ' trade(s) up to ', toString(round(max(t.notional))), ' notional; the symbol''s bar is ',
           toString(round(whale_bar))) AS summary,
    concat('{"max_notional":', toString(round(max(t.notional), 2)), ',"whale_bar":', toString(round(whale_bar, 2)),
           ',"z":', toString(round((log(max(t.notional)) - base.mu) / base.sd, 2)),
           ',"baseline_trades":', toString(base.n), '}') AS evidence
FROM t
INNER JOIN base ON base.venue = t.venue AND base.symbol = t.symbol
WHERE t.recent AND t.notional >= {{min_notional}}
  AND log(t.notional) >= base.mu + {{sigma}} * base.sd
GROUP BY t.venue, t.symbol, base.mu, base.sd, base.n
