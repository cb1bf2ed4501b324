-- market.trades → market_trades, through the chain every topic uses:
--   <fact>_queue (Kafka engine) → <fact>_parse_mv → <fact>_parsed (Null: checks, no storage)
--     ├─ <fact>_mv     → <fact>          rows that pass the contract
--     └─ <fact>_dlq_mv → dead_letters    broken JSON and contract violations, with the reason
-- The checks mirror lib/contracts/market.ts: the topic may have writers other than our
-- producer library, and the warehouse must not take a row the contract refuses.

CREATE TABLE IF NOT EXISTS market_trades_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String, trade_id String, side String,
    price Float64, quantity Float64
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.trades',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_trades',
    kafka_format = 'JSONEachRow',
    -- One consumer reads all six partitions; more would only compete for two cores.
    kafka_num_consumers = 1,
    -- A block is flushed when it has this many rows or when the interval passes, whichever
    -- comes first: large blocks at high rates, seconds-level freshness at low rates.
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS market_trades_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, received_at Int64,
    venue String, symbol String, trade_id String, side String,
    price Float64, quantity Float64,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_trades_parse_mv TO market_trades_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at,
    venue, symbol, trade_id, side, price, quantity,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.trade', concat('type: expected "market.trade", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        NOT match(trade_id, '^.{1,64}$'), 'trade_id: 1 to 64 characters required',
        side NOT IN ('buy', 'sell'), concat('side: expected "buy" or "sell", got "', side, '"'),
        NOT (isFinite(price) AND price > 0), concat('price: a positive number is required, got ', toString(price)),
        NOT (isFinite(quantity) AND quantity > 0), concat('quantity: a positive number is required, got ', toString(quantity)),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM market_trades_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_trades_mv TO market_trades AS
SELECT
    toFixedString(event_id, 26) AS event_id, venue, symbol, trade_id,
    CAST(side, 'Enum8(\'buy\' = 1, \'sell\' = 2)') AS side, price, quantity,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(received_at, 'UTC') AS received_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM market_trades_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS market_trades_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at, received_at,
        venue, symbol, trade_id, side, price, quantity)) AS raw_message,
    'market_trades_queue' AS consumer
FROM market_trades_parsed
WHERE error != '';
