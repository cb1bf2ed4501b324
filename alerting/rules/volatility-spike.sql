-- rule: volatility-spike
-- title: Volatility spike: realised volatility far above the market's own
-- severity: high
-- entity: market
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 180
-- threshold: window_seconds = 60         -- realised volatility of this many seconds
-- threshold: baseline_windows = 30       -- against this many windows before it
-- threshold: min_baseline_windows = 10   -- with at least this many of them traded
-- threshold: z_score = 4                 -- this many standard deviations above their mean
-- threshold: min_rv_bps = 20             -- and at least this volatility (bps)
-- description: Realised volatility (sqrt of the sum of squared log returns between consecutive
--   trades, bps) over the last window, scored against the same market's earlier windows: a
--   market that is always this choppy does not fire, a calm one that suddenly is does.
--   Windows are counted back from the evaluation time, never clock minutes, so the verdict
--   does not depend on where the minute boundary falls.
-- runbook: Look for the cause on the same symbol (liquidation cascade, funding flip, news in
--   social mentions, one venue's bad prints: compare venues in the Derivatives dashboard);
--   widen risk limits' buffers or pause automated quoting while it lasts.
WITH
    t AS
    (
        SELECT venue, symbol, occurred_at, event_id, price, produced_at,
               intDiv(toUnixTimestamp64Milli(now64(3)) - toUnixTimestamp64Milli(occurred_at),
                      {{window_seconds}} * 1000) AS k
        FROM market_trades AS mt
        WHERE mt.occurred_at > now64(3) - toIntervalSecond(({{baseline_windows}} + 1) * {{window_seconds}})
          AND mt.occurred_at <= now64(3)
    ),
    windows AS
    (
        SELECT venue, symbol, k,
               arrayMap(x -> log(x.3), arraySort(groupArray((occurred_at, event_id, price)))) AS ln_prices,
               sqrt(arraySum(arrayMap(d -> d * d, arrayPopFront(arrayDifference(ln_prices))))) * 10000 AS rv_bps,
               min(occurred_at) AS first_at, max(occurred_at) AS last_at, max(produced_at) AS last_produced
        FROM t GROUP BY venue, symbol, k
        HAVING count() >= 2
    ),
    scored AS
    (
        SELECT venue, symbol,
               anyIf(rv_bps, k = 0) AS rv_now,
               avgIf(rv_bps, k > 0) AS base_mean,
               stddevPopIf(rv_bps, k > 0) AS base_sd,
               countIf(k > 0) AS base_n,
               anyIf(first_at, k = 0) AS first_at,
               anyIf(last_at, k = 0) AS last_at,
               anyIf(last_produced, k = 0) AS last_produced,
               countIf(k = 0) AS has_now
        FROM windows GROUP BY venue, symbol
    )
SELECT
    concat(toString(venue), ':', toString(symbol)) AS entity,
    CAST([], 'Array(String)') AS related,
    toString(venue) AS venue,
    (rv_now - base_mean) / base_sd AS z,
    first_at AS first_seen,
    last_at AS last_seen,
    last_produced AS trigger_at,
    concat('realised volatility ', toString(round(rv_now, 1)), ' bps over ', toString({{window_seconds}}),
           ' s, z ', toString(round(z, 1)), ' against ', toString(round(base_mean, 1)), ' bps usual') AS summary,
    concat('{"rv_bps":', toString(round(rv_now, 2)), ',"baseline_mean_bps":', toString(round(base_mean, 2)),
           ',"baseline_sd_bps":', toString(round(base_sd, 2)), ',"z":', toString(round(z, 2)),
           ',"baseline_windows":', toString(base_n), '}') AS evidence
FROM scored
WHERE has_now = 1 AND base_n >= {{min_baseline_windows}} AND base_sd > 0
  AND rv_now >= {{min_rv_bps}} AND z >= {{z_score}}
