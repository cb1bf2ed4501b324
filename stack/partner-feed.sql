-- A Kafka engine table made by hand beside the generated chains, as teams do (a partner's fills
-- feed): no kafka_handle_error_mode, so ClickHouse's default applies and a message it cannot
-- parse is an exception on every poll (system.kafka_consumers), the same offset retried and
-- the table stalled. The detection stack installs it so consumer-exceptions meets a real case
-- (the poison-message scenario); it is not part of the platform's schema.
CREATE TABLE IF NOT EXISTS partner_fills_queue
(
    `fill_id` String,
    `symbol` String,
    `side` String,
    `price` Float64,
    `qty` Float64
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '${KAFKA_BROKERS}', kafka_topic_list = '${PARTNER_FEED_TOPIC}', kafka_group_name = '${KAFKA_GROUP_PREFIX}partner_fills', kafka_format = 'JSONEachRow', kafka_num_consumers = 1, kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS};

CREATE TABLE IF NOT EXISTS partner_fills
(
    `fill_id` String,
    `symbol` LowCardinality(String),
    `side` LowCardinality(String),
    `price` Float64,
    `qty` Float64,
    `ingested_at` DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (symbol, fill_id)
TTL toDateTime(ingested_at) + INTERVAL ${FACT_TTL_DAYS} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS partner_fills_mv TO partner_fills AS
SELECT fill_id, symbol, side, price, qty FROM partner_fills_queue;
