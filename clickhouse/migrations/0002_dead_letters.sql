-- Every message a topic consumer could not take: the raw bytes as they arrived, why it was
-- refused, and where it came from (topic, partition, offset) so it can be found and replayed.
CREATE TABLE IF NOT EXISTS dead_letters
(
    received_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    topic           LowCardinality(String),
    kafka_partition UInt16,
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1)),
    kafka_key       String                          CODEC(ZSTD(1)),
    raw_message     String                          CODEC(ZSTD(3)),
    error           String                          CODEC(ZSTD(3)),
    consumer        LowCardinality(String)          COMMENT 'the Kafka engine table that refused it'
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(received_at)
ORDER BY (topic, received_at)
TTL toDateTime(received_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;
