-- Pipeline health: is every topic flowing, how much is dead-lettered, are the consumers well?
-- Incremental views are right here: they count deliveries as they are written, so a
-- redelivered message counts again, which is what throughput means (the risk rollups, which
-- must not double count, are recomputed from FINAL facts instead).

-- Rows written per topic, producer source and minute of ingestion, one incremental view per
-- fact. SimpleAggregateFunction columns: sums and maxima merge without -State/-Merge, and
-- `sum(events)` / `max(last_occurred_at)` read them correctly before merges.
CREATE TABLE IF NOT EXISTS pipeline_events_1m
(
    topic             LowCardinality(String),
    source            LowCardinality(String)        COMMENT 'envelope source (producer)',
    minute            DateTime('UTC')               COMMENT 'minute the rows were written (ingested_at)',
    events            SimpleAggregateFunction(sum, UInt64) COMMENT 'rows written, redeliveries included',
    last_occurred_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC')) COMMENT 'newest event time',
    last_ingested_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    max_delay_ms      SimpleAggregateFunction(max, Int64) COMMENT 'ingested_at - occurred_at, worst row'
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
-- Health panels pick a topic, then a time range.
ORDER BY (topic, minute, source)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_trades_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.trades' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_trades GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_book_l1_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.book_l1' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_book_l1 GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_depth_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.depth' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_depth GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_mark_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.mark' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_mark GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_liquidations_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.liquidations' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_liquidations GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_market_integrity_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}market.integrity' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM market_integrity GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_engine_orders_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}engine.orders' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM engine_orders GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_engine_executions_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}engine.executions' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM engine_executions GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_user_logins_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}user.logins' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM user_logins GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_user_funds_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}user.funds' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM user_funds GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_user_api_keys_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}user.api_keys' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM user_api_keys GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_user_browser_actions_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}user.browser' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM user_browser_actions GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_social_mentions_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}social.mentions' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM social_mentions GROUP BY source, minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_sim_labels_mv TO pipeline_events_1m AS
SELECT '${KAFKA_TOPIC_PREFIX}sim.labels' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM sim_labels GROUP BY source, minute;

-- Dead letters per topic, refusing consumer and minute, with the newest reason for a panel.
CREATE TABLE IF NOT EXISTS pipeline_dead_letters_1m
(
    topic        LowCardinality(String),
    consumer     LowCardinality(String),
    minute       DateTime('UTC'),
    dead_letters SimpleAggregateFunction(sum, UInt64),
    last_error   SimpleAggregateFunction(anyLast, String)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (topic, minute, consumer)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_dead_letters_1m_mv TO pipeline_dead_letters_1m AS
SELECT topic, consumer, toStartOfMinute(received_at) AS minute,
       count() AS dead_letters, argMax(error, received_at) AS last_error
FROM dead_letters GROUP BY topic, consumer, minute;

-- Newest event per topic and source: "is anything still arriving from X?" in one small read.
CREATE VIEW IF NOT EXISTS pipeline_last_event AS
SELECT topic, source,
       max(last_occurred_at) AS last_event_at,
       max(last_ingested_at) AS last_write_at,
       dateDiff('second', max(last_ingested_at), now64(3)) AS seconds_since_last_write
FROM pipeline_events_1m
GROUP BY topic, source;

-- This database's Kafka engine consumers (system.kafka_consumers): what each reads, how far,
-- when it last polled and committed, and its recent exceptions. Lag is the broker's end
-- offset minus current_offset; ClickHouse only knows the end offset through librdkafka's
-- statistics, so consumer_lag is read from rdkafka_stat and is NULL while that is empty
-- (statistics are off unless <kafka><statistics_interval_ms> is set in the server config).
CREATE VIEW IF NOT EXISTS pipeline_kafka_consumers AS
SELECT
    table,
    consumer_id,
    arrayStringConcat(arrayDistinct(assignments.topic), ',') AS topics,
    length(assignments.partition_id) AS partitions,
    arraySum(arrayFilter(o -> o >= 0, assignments.current_offset)) AS committed_position_sum,
    num_messages_read,
    last_poll_time,
    last_commit_time,
    num_commits,
    num_rebalance_assignments,
    is_currently_used,
    length(exceptions.text) AS exceptions,
    if(length(exceptions.text) > 0, exceptions.text[-1], '') AS last_exception,
    if(length(exceptions.time) > 0, exceptions.time[-1], NULL) AS last_exception_time,
    if(rdkafka_stat = '', NULL,
       arraySum(arrayMap(p -> greatest(JSONExtractInt(p, 'consumer_lag'), 0),
           arrayFlatten(arrayMap(t -> JSONExtractArrayRaw(concat('[', arrayStringConcat(
               arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(JSONExtractRaw(t, 'partitions'))), ','), ']')),
               arrayMap(kv -> kv.2, JSONExtractKeysAndValuesRaw(JSONExtractRaw(rdkafka_stat, 'topics')))))))) AS consumer_lag
FROM system.kafka_consumers
WHERE database = currentDatabase();
