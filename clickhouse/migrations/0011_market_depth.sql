-- Order-book changes per venue and symbol (contract: marketDepthSchema in lib/contracts/market.ts).
-- Only changes applied to an in-sync book are published: a `snapshot` row starts a book (after
-- every (re)sync), `diff` rows follow it with unbroken update ids. A book rebuilt from these
-- rows is the venue's book; a sequence break is in market_integrity, never papered over here.
CREATE TABLE IF NOT EXISTS market_depth
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    venue           LowCardinality(String),
    symbol          LowCardinality(String),
    kind            Enum8('snapshot' = 1, 'diff' = 2),
    first_update_id UInt64                          CODEC(Delta, ZSTD(1)),
    final_update_id UInt64                          CODEC(Delta, ZSTD(1)),
    prev_update_id  UInt64                          CODEC(Delta, ZSTD(1)),
    -- Levels as parallel arrays: a side's prices and sizes compress apart, and ARRAY JOIN
    -- rebuilds the (price, size) rows when needed.
    bid_prices      Array(Float64)                  CODEC(ZSTD(3)),
    bid_quantities  Array(Float64)                  CODEC(ZSTD(3)),
    ask_prices      Array(Float64)                  CODEC(ZSTD(3)),
    ask_quantities  Array(Float64)                  CODEC(ZSTD(3)),
    best_bid_price  Float64                         COMMENT 'top of our synced book after this change' CODEC(Gorilla, ZSTD(1)),
    best_ask_price  Float64                         CODEC(Gorilla, ZSTD(1)),
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

-- market.depth → market_depth, through the chain every topic uses (see 0003_market_trades_ingest.sql):
--   market_depth_queue → market_depth_parse_mv → market_depth_parsed (Null: contract checks)
--     ├─ market_depth_mv     → market_depth
--     └─ market_depth_dlq_mv → dead_letters
-- The checks mirror lib/contracts/market.ts: the topic may have other writers than ours.

CREATE TABLE IF NOT EXISTS market_depth_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String,
    kind String,
    first_update_id Int64,
    final_update_id Int64,
    prev_update_id Int64,
    bid_prices Array(Float64),
    bid_quantities Array(Float64),
    ask_prices Array(Float64),
    ask_quantities Array(Float64),
    best_bid_price Float64,
    best_ask_price Float64
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.depth',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_depth',
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

CREATE TABLE IF NOT EXISTS market_depth_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String,
    kind String,
    first_update_id Int64,
    final_update_id Int64,
    prev_update_id Int64,
    bid_prices Array(Float64),
    bid_quantities Array(Float64),
    ask_prices Array(Float64),
    ask_quantities Array(Float64),
    best_bid_price Float64,
    best_ask_price Float64,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_depth_parse_mv TO market_depth_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, kind, first_update_id, final_update_id, prev_update_id, bid_prices, bid_quantities, ask_prices, ask_quantities, best_bid_price, best_ask_price,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.depth', concat('type: expected "market.depth", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        kind NOT IN ('snapshot', 'diff'), concat('kind: expected "snapshot" or "diff", got "', kind, '"'),
        least(first_update_id, final_update_id, prev_update_id) < 0, 'first_update_id, final_update_id, prev_update_id: non-negative whole numbers are required',
        length(bid_prices) != length(bid_quantities), 'bid_prices: as many prices as bid_quantities are required',
        length(ask_prices) != length(ask_quantities), 'ask_prices: as many prices as ask_quantities are required',
        NOT arrayAll(p -> isFinite(p) AND p > 0, arrayConcat(bid_prices, ask_prices)), 'bid_prices, ask_prices: positive numbers are required',
        NOT arrayAll(q -> isFinite(q) AND q >= 0, arrayConcat(bid_quantities, ask_quantities)), 'bid_quantities, ask_quantities: non-negative numbers are required',
        NOT (isFinite(best_bid_price) AND best_bid_price >= 0 AND isFinite(best_ask_price) AND best_ask_price >= 0), 'best_bid_price, best_ask_price: non-negative numbers are required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM market_depth_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_depth_mv TO market_depth AS
SELECT
    toFixedString(event_id, 26) AS event_id, venue, symbol,
    CAST(kind, 'Enum8(\'snapshot\' = 1, \'diff\' = 2)') AS kind,
    toUInt64(first_update_id) AS first_update_id, toUInt64(final_update_id) AS final_update_id,
    toUInt64(prev_update_id) AS prev_update_id,
    bid_prices, bid_quantities, ask_prices, ask_quantities, best_bid_price, best_ask_price,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(received_at, 'UTC') AS received_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM market_depth_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS market_depth_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow', event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, kind, first_update_id, final_update_id, prev_update_id, bid_prices, bid_quantities, ask_prices, ask_quantities, best_bid_price, best_ask_price)) AS raw_message,
    'market_depth_queue' AS consumer
FROM market_depth_parsed
WHERE error != '';
