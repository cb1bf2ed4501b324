-- engine.executions → engine_executions: every match of the exchange's matching engine
-- (contract: engineExecutionSchema in lib/contracts/engine.ts). Deduplicated by event_id as
-- engine_orders is (ReplacingMergeTree, event_id last in the sort key).
CREATE TABLE IF NOT EXISTS engine_executions
(
    event_id         FixedString(26)                COMMENT 'ULID given by the producer',
    symbol           LowCardinality(String),
    trade_id         String                         CODEC(ZSTD(1)),
    price            Float64                        CODEC(Gorilla, ZSTD(1)),
    quantity         Float64                        CODEC(Gorilla, ZSTD(1)),
    aggressor_side   Enum8('buy' = 1, 'sell' = 2)   COMMENT 'the taker''s side',
    maker_account_id String                         CODEC(ZSTD(1)),
    maker_order_id   String                         CODEC(ZSTD(1)),
    taker_account_id String                         CODEC(ZSTD(1)),
    taker_order_id   String                         CODEC(ZSTD(1)),
    -- Wash-trading rules look for these; computed once here instead of in every query.
    self_trade       Bool MATERIALIZED maker_account_id = taker_account_id,
    occurred_at      DateTime64(3, 'UTC')           CODEC(DoubleDelta, ZSTD(1)),
    produced_at      DateTime64(3, 'UTC')           CODEC(DoubleDelta, ZSTD(1)),
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source           LowCardinality(String),
    schema_version   UInt8,
    kafka_partition  UInt16                         CODEC(ZSTD(1)),
    kafka_offset     UInt64                         CODEC(Delta, ZSTD(1)),
    -- Per-account questions ("what did this account trade?") use these rather than a second copy.
    INDEX maker_account_idx maker_account_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX taker_account_idx taker_account_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(occurred_at)
-- The tape of one symbol, in time: how the topic is keyed and how market rules read it.
ORDER BY (symbol, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003 for the reasons behind each setting).
CREATE TABLE IF NOT EXISTS engine_executions_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    trade_id String, symbol String, price Float64, quantity Float64, aggressor_side String,
    maker_account_id String, maker_order_id String, taker_account_id String, taker_order_id String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}engine.executions',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}engine_executions',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS engine_executions_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    trade_id String, symbol String, price Float64, quantity Float64, aggressor_side String,
    maker_account_id String, maker_order_id String, taker_account_id String, taker_order_id String,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors engineExecutionSchema, naming the first field that fails.
CREATE MATERIALIZED VIEW IF NOT EXISTS engine_executions_parse_mv TO engine_executions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    trade_id, symbol, price, quantity, aggressor_side,
    maker_account_id, maker_order_id, taker_account_id, taker_order_id,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'engine.execution', concat('type: expected "engine.execution", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(trade_id, '^[!-~]{1,64}$'), 'trade_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        NOT (isFinite(price) AND price > 0), concat('price: a positive number is required, got ', toString(price)),
        NOT (isFinite(quantity) AND quantity > 0), concat('quantity: a positive number is required, got ', toString(quantity)),
        aggressor_side NOT IN ('buy', 'sell'), concat('aggressor_side: expected "buy" or "sell", got "', aggressor_side, '"'),
        NOT match(maker_account_id, '^[!-~]{1,64}$'), 'maker_account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(maker_order_id, '^[!-~]{1,64}$'), 'maker_order_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(taker_account_id, '^[!-~]{1,64}$'), 'taker_account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(taker_order_id, '^[!-~]{1,64}$'), 'taker_order_id: 1 to 64 printable ASCII characters without spaces required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        maker_order_id = taker_order_id, 'taker_order_id: must differ from maker_order_id',
        ''
    ) AS error
FROM engine_executions_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_executions_mv TO engine_executions AS
SELECT
    toFixedString(event_id, 26) AS event_id, symbol, trade_id, price, quantity,
    CAST(aggressor_side, 'Enum8(\'buy\' = 1, \'sell\' = 2)') AS aggressor_side,
    maker_account_id, maker_order_id, taker_account_id, taker_order_id,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM engine_executions_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_executions_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        trade_id, symbol, price, quantity, aggressor_side,
        maker_account_id, maker_order_id, taker_account_id, taker_order_id)) AS raw_message,
    'engine_executions_queue' AS consumer
FROM engine_executions_parsed
WHERE error != '';
