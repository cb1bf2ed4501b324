-- rule: pump-and-dump
-- title: Pump: a burst of positive mentions while the token's price is pushed up
-- severity: high
-- entity: token
-- episode_gap_s: 3600
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: window_minutes = 30         -- compare this many minutes with the same length before
-- threshold: growth_pct = 200            -- positive mentions more than this much up
-- threshold: min_positive = 20           -- at least this many positive mentions in the window
-- threshold: positive_above = 0          -- a mention is positive when its sentiment is above this
-- threshold: min_rise_bps = 50           -- the <TOKEN>USDT price rose this much after the burst began
-- description: Positive mentions of a token surge while its price on our book rises from where
--   it stood when the burst began: the pump of a pump-and-dump, before the organisers sell.
-- runbook: List the accounts that bought in the days before the burst and are now selling
--   (the evidence names the symbol); compare with the mention sources. Consider pausing
--   promotions for the token and alerting market surveillance.
WITH
    m AS
    (
        SELECT token, event_id, title, occurred_at, produced_at,
               occurred_at >= now64(3) - INTERVAL {{window_minutes}} MINUTE AS current
        FROM social_mentions
        WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
          AND sentiment > {{positive_above}}
        LIMIT 1 BY event_id
    ),
    buzz AS
    (
        SELECT toString(token) AS token, concat(toString(token), 'USDT') AS symbol,
               countIf(current) AS now_count, countIf(NOT current) AS before_count,
               minIf(occurred_at, current) AS burst_start, maxIf(occurred_at, current) AS burst_end,
               arraySort(groupArrayIf(produced_at, current))[toUInt32(greatest({{min_positive}},
                   floor(before_count * (1 + {{growth_pct}} / 100)) + 1))] AS buzz_trigger_at,
               arrayStringConcat(arraySlice(groupArrayIf(toJSONString(map('event_id', toString(event_id),
                   'title', title, 'at', toString(occurred_at))), current), 1, 10), ',') AS mentions_json
        FROM m
        GROUP BY token
        HAVING now_count >= {{min_positive}} AND now_count > before_count * (1 + {{growth_pct}} / 100)
    ),
    moves AS
    (
        -- From the last trade before the burst began to the highest trade since.
        SELECT b.token AS token,
               argMaxIf(e.price, e.occurred_at, e.occurred_at <= b.burst_start) AS price_before,
               maxIf(e.price, e.occurred_at > b.burst_start) AS price_peak,
               argMaxIf(e.occurred_at, e.price, e.occurred_at > b.burst_start) AS peak_at,
               argMaxIf(e.produced_at, e.price, e.occurred_at > b.burst_start) AS peak_produced_at
        FROM buzz AS b
        INNER JOIN engine_executions AS e ON e.symbol = b.symbol
        WHERE e.occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
        GROUP BY b.token
    )
SELECT
    b.token AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    b.burst_start AS first_seen,
    greatest(b.burst_end, v.peak_at) AS last_seen,
    greatest(b.buzz_trigger_at, v.peak_produced_at) AS trigger_at,
    (v.price_peak / v.price_before - 1) * 10000 AS rise_bps,
    concat(toString(b.now_count), ' positive mentions (', toString(b.before_count), ' before); ', b.symbol, ' up ',
           toString(round(rise_bps)), ' bps to ', toString(v.price_peak)) AS summary,
    concat('{"symbol":"', b.symbol, '","positive_now":', toString(b.now_count), ',"positive_before":',
           toString(b.before_count), ',"price_before":', toString(v.price_before), ',"price_peak":',
           toString(v.price_peak), ',"mentions":[', b.mentions_json, ']}') AS evidence
FROM buzz AS b
INNER JOIN moves AS v ON v.token = b.token
WHERE v.price_before > 0 AND rise_bps >= {{min_rise_bps}}
