-- rule: dead-letter-surge
-- title: Dead-letter surge on a topic
-- severity: warning
-- entity: pipeline
-- episode_gap_s: 600
-- refresh_s: 2
-- resolve_after_s: 600
-- threshold: window_minutes = 5          -- dead letters this recent
-- threshold: min_count = 20              -- at least this many
-- threshold: growth_pct = 200            -- and more than this much up on the window before
-- description: Messages refused by ClickHouse ingestion (broken JSON, contract violations) on
--   one topic jumped: a producer shipped a breaking change or a source went bad.
-- runbook: SELECT error, count() FROM dead_letters WHERE topic = '<entity>' GROUP BY error;
--   find the producer by the key and source; fix it and replay the dead letters if needed.
WITH d AS
(
    SELECT topic, error, received_at, received_at >= now64(3) - INTERVAL {{window_minutes}} MINUTE AS recent
    FROM dead_letters
    WHERE received_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
)
SELECT
    toString(topic) AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    countIf(recent) AS now_count,
    countIf(NOT recent) AS before_count,
    minIf(received_at, recent) AS first_seen,
    maxIf(received_at, recent) AS last_seen,
    arraySort(groupArrayIf(received_at, recent))[toUInt32(greatest({{min_count}},
        floor(before_count * (1 + {{growth_pct}} / 100)) + 1))] AS trigger_at,
    concat(toString(now_count), ' dead letters in ', toString({{window_minutes}}), ' min (',
           toString(before_count), ' before)') AS summary,
    concat('{"dead_letters_now":', toString(now_count), ',"before":', toString(before_count), ',"errors":',
           toJSONString(arraySlice(topK(5)(error), 1, 5)), '}') AS evidence
FROM d
GROUP BY topic
HAVING now_count >= {{min_count}} AND now_count > before_count * (1 + {{growth_pct}} / 100)
