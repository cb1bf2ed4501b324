-- rule: consumer-exceptions
-- title: Kafka consumer exceptions in ClickHouse ingestion
-- severity: high
-- entity: pipeline
-- episode_gap_s: 600
-- refresh_s: 2
-- resolve_after_s: 600
-- threshold: window_minutes = 5          -- exceptions this recent
-- threshold: min_exceptions = 5         -- a consumer failing repeatedly, not a start-up rebalance
-- description: A Kafka engine table of this database logged consumer exceptions
--   (system.kafka_consumers): a message a table with the default error mode cannot parse (it
--   retries it on every poll and stalls), broker unreachable, group assignment lost, topic deleted.
-- runbook: SELECT table, exceptions.text FROM system.kafka_consumers; a parse error names the
--   topic and offset: fix the producer, and skip the message or give the table
--   kafka_handle_error_mode = 'stream'; otherwise check the broker and the consumer group.
SELECT
    concat('kafka:', table) AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    toDateTime64(min(t), 3, 'UTC') AS first_seen,
    toDateTime64(max(t), 3, 'UTC') AS last_seen,
    toDateTime64(min(t), 3, 'UTC') AS trigger_at,
    concat(toString(count()), ' consumer exceptions; latest: ', substring(argMax(text, t), 1, 300)) AS summary,
    concat('{"exceptions":', toJSONString(arraySlice(groupArray(10)(text), 1, 10)), '}') AS evidence
FROM
(
    SELECT table, ex.1 AS t, ex.2 AS text
    FROM system.kafka_consumers
    ARRAY JOIN arrayZip(exceptions.time, exceptions.text) AS ex
    WHERE database = currentDatabase()
)
WHERE t >= now() - INTERVAL {{window_minutes}} MINUTE
GROUP BY table
HAVING count() >= {{min_exceptions}}
