-- rule: negative-buzz
-- title: Negative buzz: negative mentions of a token surging
-- severity: warning
-- entity: token
-- episode_gap_s: 3600
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: window_minutes = 30         -- compare this many minutes with the same length before
-- threshold: growth_pct = 200            -- more than this much up on the previous window
-- threshold: min_volume = 20             -- at least this many negative mentions in the window
-- threshold: negative_below = 0          -- a mention is negative when its sentiment is below this
-- description: Negative mentions of one token in the last window are up more than the growth
--   threshold on the window before, with a minimum volume so a quiet token's 1 → 4 is not news.
-- runbook: Read the evidence headlines: exchange-specific (hack, insolvency rumour) or about
--   the token (exploit, delisting)? Warn support and risk; watch withdrawals and the token's
--   order books; communications decide on a public statement.
WITH
    m AS
    (
        SELECT token, event_id, title, source_name, sentiment, occurred_at, produced_at,
               occurred_at >= now64(3) - INTERVAL {{window_minutes}} MINUTE AS current
        FROM social_mentions
        WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
          AND sentiment < {{negative_below}}
        LIMIT 1 BY event_id
    )
SELECT
    toString(token) AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    minIf(occurred_at, current) AS first_seen,
    maxIf(occurred_at, current) AS last_seen,
    countIf(current) AS now_count,
    countIf(NOT current) AS before_count,
    -- The mention that crossed the threshold.
    arraySort(groupArrayIf(produced_at, current))[
        toUInt32(greatest({{min_volume}}, floor(before_count * (1 + {{growth_pct}} / 100)) + 1))] AS trigger_at,
    concat(toString(now_count), ' negative mentions in ', toString({{window_minutes}}), ' min, ',
           toString(before_count), ' in the ', toString({{window_minutes}}), ' min before') AS summary,
    concat('{"negative_now":', toString(now_count), ',"negative_before":', toString(before_count),
           ',"mentions":[', arrayStringConcat(arraySlice(arrayReverseSort(x -> x.2, groupArrayIf((toJSONString(map(
               'event_id', toString(event_id), 'source', toString(source_name), 'title', title,
               'sentiment', toString(round(sentiment, 2)), 'at', toString(occurred_at))), occurred_at), current)).1, 1, 20), ','),
           ']}') AS evidence
FROM m
GROUP BY token
HAVING now_count >= {{min_volume}} AND now_count > before_count * (1 + {{growth_pct}} / 100)
