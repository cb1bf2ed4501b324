-- Forced liquidations reported by venues (contract: marketLiquidationSchema). `side` is the
-- liquidation order's side: `sell` means a long position was liquidated.
CREATE TABLE IF NOT EXISTS market_liquidations
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    venue           LowCardinality(String),
    symbol          LowCardinality(String),
    side            Enum8('buy' = 1, 'sell' = 2)    COMMENT 'liquidation order side',
    price           Float64                         CODEC(Gorilla, ZSTD(1)),
    quantity        Float64                         CODEC(Gorilla, ZSTD(1)),
    occurred_at     DateTime64(3, 'UTC')            COMMENT 'venue time of the event' CODEC(DoubleDelta, ZSTD(1)),
    received_at     DateTime64(3, 'UTC')            COMMENT 'when our connector read the frame' CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1))
)
-- Redelivered events (at-least-once) share the sort key and collapse on merge; exact counts
-- before merges use FINAL or count(DISTINCT event_id), as for market_trades.
ENGINE = ReplacingMergeTree(ingested_at)
-- Daily partitions: TTL drops whole days, dashboards prune by time.
PARTITION BY toYYYYMMDD(occurred_at)
-- Dashboards filter by venue and symbol, then a time range.
ORDER BY (venue, symbol, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- market.liquidations → market_liquidations, through the chain every topic uses (see 0003_market_trades_ingest.sql):
--   market_liquidations_queue → market_liquidations_parse_mv → market_liquidations_parsed (Null: contract checks)
--     ├─ market_liquidations_mv     → market_liquidations
--     └─ market_liquidations_dlq_mv → dead_letters
-- The checks mirror lib/contracts/market.ts: the topic may have other writers than ours.

CREATE TABLE IF NOT EXISTS market_liquidations_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String,
    side String,
    price Float64,
    quantity Float64
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.liquidations',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_liquidations',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS market_liquidations_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String,
    side String,
    price Float64,
    quantity Float64,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_liquidations_parse_mv TO market_liquidations_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, side, price, quantity,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.liquidation', concat('type: expected "market.liquidation", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        side NOT IN ('buy', 'sell'), concat('side: expected "buy" or "sell", got "', side, '"'),
        NOT (isFinite(price) AND price > 0), concat('price: a positive number is required, got ', toString(price)),
        NOT (isFinite(quantity) AND quantity > 0), concat('quantity: a positive number is required, got ', toString(quantity)),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM market_liquidations_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_liquidations_mv TO market_liquidations AS
SELECT
    toFixedString(event_id, 26) AS event_id, venue, symbol,
    CAST(side, 'Enum8(\'buy\' = 1, \'sell\' = 2)') AS side, price, quantity,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(received_at, 'UTC') AS received_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM market_liquidations_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS market_liquidations_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow', event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, side, price, quantity)) AS raw_message,
    'market_liquidations_queue' AS consumer
FROM market_liquidations_parsed
WHERE error != '';
