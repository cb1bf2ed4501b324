-- Strict parsing for every topic consumer, from fuzzing raw bytes into each topic
-- (test/fuzz/topic-consumers.int.test.ts). ClickHouse's JSONEachRow defaults were kinder
-- than the contracts in lib/contracts/: a number, boolean, object or array given for a text
-- field was stored as its text (`"account_id": 12` became '12'), `null` or an omitted
-- numeric field became 0 (accepted where 0 is valid: seed, update ids, funding, sentiment),
-- schema_version 257 wrapped to 1 in a UInt8, a fraction or exponent in an integer field was
-- refused without naming the field, and two lines in one message became two facts from one
-- offset. Each queue is re-created (a Kafka engine table takes no ALTER) with strict JSON
-- settings and every number read as a nullable double, as JSON has it; each parse view
-- names null numbers, numbers that are not whole where the contract wants whole ones, and
-- messages of several rows. The checks after those are the latest version of each view
-- (0120 for user_logins and user_funds), unchanged.
--
-- Each new queue joins a new consumer group (`<name>_v2`). Dropping a Kafka table does not
-- make its consumer leave the group, so a queue re-created in the old group waited for the
-- broker to expire the dropped member (45 s, measured on every fresh database). A new group
-- has no committed offsets, so a database that already consumed re-reads what the topics
-- still retain, once: facts and rollups collapse the copies on event_id (ReplacingMergeTree,
-- FINAL), while dead_letters and the pipeline_* delivery counters count them a second time.
-- Nothing is lost. Every statement is safe to repeat, so a run that failed half-way re-runs
-- from the start.

-- market_trades
DROP VIEW IF EXISTS market_trades_parse_mv SYNC;
DROP TABLE IF EXISTS market_trades_queue SYNC;

CREATE TABLE IF NOT EXISTS market_trades_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    trade_id String,
    side String,
    price Nullable(Float64),
    quantity Nullable(Float64)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.trades',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_trades_v2',
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
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_trades_parse_mv TO market_trades_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at,
    venue, symbol, trade_id, side, price, quantity,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
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
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at, ifNull(price, 0) AS price, ifNull(quantity, 0) AS quantity)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', ''), if(isNull(price), 'price', ''), if(isNull(quantity), 'quantity', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_trades_queue
    )
    WHERE row_in_message = 1
);

-- market_book_l1
DROP VIEW IF EXISTS market_book_l1_parse_mv SYNC;
DROP TABLE IF EXISTS market_book_l1_queue SYNC;

CREATE TABLE IF NOT EXISTS market_book_l1_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    bid_price Nullable(Float64),
    bid_quantity Nullable(Float64),
    ask_price Nullable(Float64),
    ask_quantity Nullable(Float64),
    update_id Nullable(Float64)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.book_l1',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_book_l1_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_book_l1_parse_mv TO market_book_l1_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, bid_price, bid_quantity, ask_price, ask_quantity, update_id,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.book_l1', concat('type: expected "market.book_l1", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        NOT (isFinite(bid_price) AND bid_price > 0), concat('bid_price: a positive number is required, got ', toString(bid_price)),
        NOT (isFinite(bid_quantity) AND bid_quantity > 0), concat('bid_quantity: a positive number is required, got ', toString(bid_quantity)),
        NOT (isFinite(ask_price) AND ask_price > 0), concat('ask_price: a positive number is required, got ', toString(ask_price)),
        NOT (isFinite(ask_quantity) AND ask_quantity > 0), concat('ask_quantity: a positive number is required, got ', toString(ask_quantity)),
        update_id < 0, concat('update_id: a non-negative whole number is required, got ', toString(update_id)),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at, accurateCastOrDefault(ifNull(update_id, 0), 'Int64') AS update_id, ifNull(bid_price, 0) AS bid_price, ifNull(bid_quantity, 0) AS bid_quantity, ifNull(ask_price, 0) AS ask_price, ifNull(ask_quantity, 0) AS ask_quantity)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', ''), if(isNull(bid_price), 'bid_price', ''), if(isNull(bid_quantity), 'bid_quantity', ''), if(isNull(ask_price), 'ask_price', ''), if(isNull(ask_quantity), 'ask_quantity', ''), if(isNull(update_id), 'update_id', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', ''), if(update_id IS NOT NULL AND NOT (isFinite(update_id) AND update_id = floor(update_id) AND abs(update_id) <= 9007199254740991), 'update_id', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_book_l1_queue
    )
    WHERE row_in_message = 1
);

-- market_depth
DROP VIEW IF EXISTS market_depth_parse_mv SYNC;
DROP TABLE IF EXISTS market_depth_queue SYNC;

CREATE TABLE IF NOT EXISTS market_depth_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    kind String,
    first_update_id Nullable(Float64),
    final_update_id Nullable(Float64),
    prev_update_id Nullable(Float64),
    bid_prices Array(Float64),
    bid_quantities Array(Float64),
    ask_prices Array(Float64),
    ask_quantities Array(Float64),
    best_bid_price Nullable(Float64),
    best_ask_price Nullable(Float64)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.depth',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_depth_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_depth_parse_mv TO market_depth_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, kind, first_update_id, final_update_id, prev_update_id, bid_prices, bid_quantities, ask_prices, ask_quantities, best_bid_price, best_ask_price,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
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
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at, accurateCastOrDefault(ifNull(first_update_id, 0), 'Int64') AS first_update_id, accurateCastOrDefault(ifNull(final_update_id, 0), 'Int64') AS final_update_id, accurateCastOrDefault(ifNull(prev_update_id, 0), 'Int64') AS prev_update_id, ifNull(best_bid_price, 0) AS best_bid_price, ifNull(best_ask_price, 0) AS best_ask_price)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', ''), if(isNull(first_update_id), 'first_update_id', ''), if(isNull(final_update_id), 'final_update_id', ''), if(isNull(prev_update_id), 'prev_update_id', ''), if(isNull(best_bid_price), 'best_bid_price', ''), if(isNull(best_ask_price), 'best_ask_price', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', ''), if(first_update_id IS NOT NULL AND NOT (isFinite(first_update_id) AND first_update_id = floor(first_update_id) AND abs(first_update_id) <= 9007199254740991), 'first_update_id', ''), if(final_update_id IS NOT NULL AND NOT (isFinite(final_update_id) AND final_update_id = floor(final_update_id) AND abs(final_update_id) <= 9007199254740991), 'final_update_id', ''), if(prev_update_id IS NOT NULL AND NOT (isFinite(prev_update_id) AND prev_update_id = floor(prev_update_id) AND abs(prev_update_id) <= 9007199254740991), 'prev_update_id', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_depth_queue
    )
    WHERE row_in_message = 1
);

-- market_mark
DROP VIEW IF EXISTS market_mark_parse_mv SYNC;
DROP TABLE IF EXISTS market_mark_queue SYNC;

CREATE TABLE IF NOT EXISTS market_mark_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    mark_price Nullable(Float64),
    index_price Nullable(Float64),
    funding_rate Nullable(Float64),
    next_funding_at Nullable(Float64)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.mark',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_mark_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_mark_parse_mv TO market_mark_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, mark_price, index_price, funding_rate, next_funding_at,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.mark', concat('type: expected "market.mark", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        NOT (isFinite(mark_price) AND mark_price > 0), concat('mark_price: a positive number is required, got ', toString(mark_price)),
        NOT (isFinite(index_price) AND index_price > 0), concat('index_price: a positive number is required, got ', toString(index_price)),
        NOT (isFinite(funding_rate) AND abs(funding_rate) <= 1), concat('funding_rate: a fraction between -1 and 1 is required, got ', toString(funding_rate)),
        next_funding_at NOT BETWEEN 946684800000 AND 4102444799999, concat('next_funding_at: epoch milliseconds in 2000..2099 required, got ', toString(next_funding_at)),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at, accurateCastOrDefault(ifNull(next_funding_at, 0), 'Int64') AS next_funding_at, ifNull(mark_price, 0) AS mark_price, ifNull(index_price, 0) AS index_price, ifNull(funding_rate, 0) AS funding_rate)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', ''), if(isNull(mark_price), 'mark_price', ''), if(isNull(index_price), 'index_price', ''), if(isNull(funding_rate), 'funding_rate', ''), if(isNull(next_funding_at), 'next_funding_at', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', ''), if(next_funding_at IS NOT NULL AND NOT (isFinite(next_funding_at) AND next_funding_at = floor(next_funding_at) AND abs(next_funding_at) <= 9007199254740991), 'next_funding_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_mark_queue
    )
    WHERE row_in_message = 1
);

-- market_liquidations
DROP VIEW IF EXISTS market_liquidations_parse_mv SYNC;
DROP TABLE IF EXISTS market_liquidations_queue SYNC;

CREATE TABLE IF NOT EXISTS market_liquidations_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    side String,
    price Nullable(Float64),
    quantity Nullable(Float64)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.liquidations',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_liquidations_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_liquidations_parse_mv TO market_liquidations_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, side, price, quantity,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
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
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at, ifNull(price, 0) AS price, ifNull(quantity, 0) AS quantity)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', ''), if(isNull(price), 'price', ''), if(isNull(quantity), 'quantity', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_liquidations_queue
    )
    WHERE row_in_message = 1
);

-- market_integrity
DROP VIEW IF EXISTS market_integrity_parse_mv SYNC;
DROP TABLE IF EXISTS market_integrity_queue SYNC;

CREATE TABLE IF NOT EXISTS market_integrity_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    received_at Nullable(Float64),
    venue String,
    symbol String,
    kind String,
    stream String,
    expected String,
    got String,
    detail String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}market.integrity',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}market_integrity_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every market table shares the same two cores.
    kafka_num_consumers = 1,
    -- Large blocks at high rates, seconds-level freshness at low rates (as 0003).
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_integrity_parse_mv TO market_integrity_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, received_at, venue, symbol, kind, stream, expected, got, detail,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'market.integrity', concat('type: expected "market.integrity", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(venue, '^[a-z0-9-]{2,32}$'), concat('venue: a lower-case venue id is required, got "', venue, '"'),
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        kind NOT IN ('sequence_gap', 'stale_stream', 'disconnected', 'events_dropped'), concat('kind: an integrity kind is required, got "', kind, '"'),
        NOT match(stream, '^.{1,128}$'), 'stream: 1 to 128 characters required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        received_at NOT BETWEEN 946684800000 AND 4102444799999, concat('received_at: epoch milliseconds in 2000..2099 required, got ', toString(received_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(received_at, 0), 'Int64') AS received_at)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(received_at), 'received_at', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(received_at IS NOT NULL AND NOT (isFinite(received_at) AND received_at = floor(received_at) AND abs(received_at) <= 9007199254740991), 'received_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM market_integrity_queue
    )
    WHERE row_in_message = 1
);

-- engine_orders
DROP VIEW IF EXISTS engine_orders_parse_mv SYNC;
DROP TABLE IF EXISTS engine_orders_queue SYNC;

CREATE TABLE IF NOT EXISTS engine_orders_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    event String,
    order_id String,
    client_order_id Nullable(String),
    account_id String,
    symbol String,
    side String,
    order_type String,
    time_in_force String,
    price Nullable(Float64),
    stop_price Nullable(Float64),
    quantity Nullable(Float64),
    filled_quantity Nullable(Float64),
    expires_at Nullable(Float64),
    fill_price Nullable(Float64),
    fill_quantity Nullable(Float64),
    trade_id Nullable(String),
    reject_reason Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}engine.orders',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}engine_orders_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer per topic: the machine has two cores and several topics to read.
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_orders_parse_mv TO engine_orders_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    event, order_id, client_order_id, account_id, symbol, side, order_type, time_in_force,
    price, stop_price, quantity, filled_quantity, expires_at, fill_price, fill_quantity,
    trade_id, reject_reason,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'engine.order', concat('type: expected "engine.order", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        event NOT IN ('new', 'amend', 'cancel', 'fill', 'reject'), concat('event: expected new, amend, cancel, fill or reject, got "', event, '"'),
        NOT match(order_id, '^[!-~]{1,64}$'), 'order_id: 1 to 64 printable ASCII characters without spaces required',
        client_order_id IS NOT NULL AND NOT match(client_order_id, '^[!-~]{1,64}$'), 'client_order_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(symbol, '^[A-Z0-9]{2,30}$'), concat('symbol: an upper-case symbol is required, got "', symbol, '"'),
        side NOT IN ('buy', 'sell'), concat('side: expected "buy" or "sell", got "', side, '"'),
        order_type NOT IN ('limit', 'market', 'stop_limit', 'stop_market'), concat('order_type: expected limit, market, stop_limit or stop_market, got "', order_type, '"'),
        time_in_force NOT IN ('gtc', 'ioc', 'fok', 'gtd', 'post_only'), concat('time_in_force: expected gtc, ioc, fok, gtd or post_only, got "', time_in_force, '"'),
        price IS NOT NULL AND NOT (isFinite(price) AND price > 0), concat('price: a positive number is required, got ', toString(price)),
        stop_price IS NOT NULL AND NOT (isFinite(stop_price) AND stop_price > 0), concat('stop_price: a positive number is required, got ', toString(stop_price)),
        NOT (isFinite(quantity) AND quantity > 0), concat('quantity: a positive number is required, got ', toString(quantity)),
        NOT (isFinite(filled_quantity) AND filled_quantity >= 0), concat('filled_quantity: zero or more required, got ', toString(filled_quantity)),
        expires_at IS NOT NULL AND expires_at NOT BETWEEN 946684800000 AND 4102444799999, concat('expires_at: epoch milliseconds in 2000..2099 required, got ', toString(expires_at)),
        fill_price IS NOT NULL AND NOT (isFinite(fill_price) AND fill_price > 0), concat('fill_price: a positive number is required, got ', toString(fill_price)),
        fill_quantity IS NOT NULL AND NOT (isFinite(fill_quantity) AND fill_quantity > 0), concat('fill_quantity: a positive number is required, got ', toString(fill_quantity)),
        trade_id IS NOT NULL AND NOT match(trade_id, '^[!-~]{1,64}$'), 'trade_id: 1 to 64 printable ASCII characters without spaces required',
        reject_reason IS NOT NULL AND NOT match(reject_reason, '^.{1,128}$'), 'reject_reason: 1 to 128 characters required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        -- The cross-field rules of the contract's superRefine.
        order_type IN ('limit', 'stop_limit') AND price IS NULL, concat('price: required for ', order_type, ' orders'),
        order_type IN ('stop_limit', 'stop_market') AND stop_price IS NULL, concat('stop_price: required for ', order_type, ' orders'),
        time_in_force = 'gtd' AND expires_at IS NULL, 'expires_at: required for gtd orders',
        event = 'fill' AND fill_price IS NULL, 'fill_price: required when event is fill',
        event = 'fill' AND fill_quantity IS NULL, 'fill_quantity: required when event is fill',
        event = 'fill' AND trade_id IS NULL, 'trade_id: required when event is fill',
        event = 'reject' AND reject_reason IS NULL, 'reject_reason: required when event is reject',
        filled_quantity > quantity, 'filled_quantity: must not exceed quantity',
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, ifNull(quantity, 0) AS quantity, ifNull(filled_quantity, 0) AS filled_quantity, accurateCastOrNull(expires_at, 'Int64') AS expires_at)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(quantity), 'quantity', ''), if(isNull(filled_quantity), 'filled_quantity', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(expires_at IS NOT NULL AND NOT (isFinite(expires_at) AND expires_at = floor(expires_at) AND abs(expires_at) <= 9007199254740991), 'expires_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM engine_orders_queue
    )
    WHERE row_in_message = 1
);

-- engine_executions
DROP VIEW IF EXISTS engine_executions_parse_mv SYNC;
DROP TABLE IF EXISTS engine_executions_queue SYNC;

CREATE TABLE IF NOT EXISTS engine_executions_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    trade_id String,
    symbol String,
    price Nullable(Float64),
    quantity Nullable(Float64),
    aggressor_side String,
    maker_account_id String,
    maker_order_id String,
    taker_account_id String,
    taker_order_id String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}engine.executions',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}engine_executions_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_executions_parse_mv TO engine_executions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    trade_id, symbol, price, quantity, aggressor_side,
    maker_account_id, maker_order_id, taker_account_id, taker_order_id,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
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
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, ifNull(price, 0) AS price, ifNull(quantity, 0) AS quantity)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(price), 'price', ''), if(isNull(quantity), 'quantity', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM engine_executions_queue
    )
    WHERE row_in_message = 1
);

-- user_logins
DROP VIEW IF EXISTS user_logins_parse_mv SYNC;
DROP TABLE IF EXISTS user_logins_queue SYNC;

CREATE TABLE IF NOT EXISTS user_logins_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    account_id String,
    ip String,
    user_agent String,
    device_id Nullable(String),
    geo_country Nullable(String),
    geo_city Nullable(String),
    outcome String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.logins',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_logins_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_parse_mv TO user_logins_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    account_id, ip, user_agent, device_id, geo_country, geo_city, outcome,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    _headers.value[indexOf(_headers.name, 'traceparent')] AS trace_parent,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'user.login', concat('type: expected "user.login", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        isNull(toIPv6OrNull(ip)), concat('ip: an IPv4 or IPv6 address is required, got "', ip, '"'),
        lengthUTF8(user_agent) > 512, 'user_agent: at most 512 characters',
        device_id IS NOT NULL AND NOT match(device_id, '^.{1,128}$'), 'device_id: 1 to 128 characters required',
        geo_country IS NOT NULL AND NOT match(geo_country, '^[A-Z]{2}$'), concat('geo_country: an ISO 3166-1 alpha-2 code is required, got "', geo_country, '"'),
        geo_city IS NOT NULL AND NOT match(geo_city, '^.{1,128}$'), 'geo_city: 1 to 128 characters required',
        outcome NOT IN ('success', 'bad_password', 'bad_mfa', 'locked', 'blocked'), concat('outcome: expected success, bad_password, bad_mfa, locked or blocked, got "', outcome, '"'),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM user_logins_queue
    )
    WHERE row_in_message = 1
);

-- user_funds
DROP VIEW IF EXISTS user_funds_parse_mv SYNC;
DROP TABLE IF EXISTS user_funds_queue SYNC;

CREATE TABLE IF NOT EXISTS user_funds_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    transfer_id String,
    account_id String,
    asset String,
    network Nullable(String),
    amount Nullable(Float64),
    address String,
    address_tag Nullable(String),
    tx_hash Nullable(String),
    status String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.funds',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_funds_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_parse_mv TO user_funds_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    transfer_id, account_id, asset, network, amount, address, address_tag, tx_hash, status,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    _headers.value[indexOf(_headers.name, 'traceparent')] AS trace_parent,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        type NOT IN ('user.deposit', 'user.withdrawal'), concat('type: expected "user.deposit" or "user.withdrawal", got "', type, '"'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(transfer_id, '^[!-~]{1,64}$'), 'transfer_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(asset, '^[A-Z0-9]{2,20}$'), concat('asset: an upper-case asset is required, got "', asset, '"'),
        network IS NOT NULL AND NOT match(network, '^[A-Z0-9_]{2,20}$'), concat('network: an upper-case network is required, got "', network, '"'),
        NOT (isFinite(amount) AND amount > 0), concat('amount: a positive number is required, got ', toString(amount)),
        NOT match(address, '^[!-~]{1,128}$'), 'address: 1 to 128 printable ASCII characters without spaces required',
        address_tag IS NOT NULL AND NOT match(address_tag, '^.{1,64}$'), 'address_tag: 1 to 64 characters required',
        tx_hash IS NOT NULL AND NOT match(tx_hash, '^.{1,128}$'), 'tx_hash: 1 to 128 characters required',
        status NOT IN ('requested', 'pending', 'approved', 'sent', 'completed', 'failed', 'cancelled', 'rejected'), concat('status: expected requested, pending, approved, sent, completed, failed, cancelled or rejected, got "', status, '"'),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, ifNull(amount, 0) AS amount)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(amount), 'amount', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM user_funds_queue
    )
    WHERE row_in_message = 1
);

-- user_api_keys
DROP VIEW IF EXISTS user_api_keys_parse_mv SYNC;
DROP TABLE IF EXISTS user_api_keys_queue SYNC;

CREATE TABLE IF NOT EXISTS user_api_keys_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    account_id String,
    key_id String,
    action String,
    permissions Array(String),
    ip Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.api_keys',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_api_keys_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_api_keys_parse_mv TO user_api_keys_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    account_id, key_id, action, permissions, ip,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'user.api_key', concat('type: expected "user.api_key", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(key_id, '^[!-~]{1,64}$'), 'key_id: 1 to 64 printable ASCII characters without spaces required',
        action NOT IN ('created', 'permissions_changed', 'ip_allowlist_changed', 'revoked'), concat('action: expected created, permissions_changed, ip_allowlist_changed or revoked, got "', action, '"'),
        length(permissions) > 4, 'permissions: at most 4 entries',
        arrayExists(p -> p NOT IN ('read', 'trade', 'withdraw', 'transfer'), permissions), 'permissions: each of read, trade, withdraw or transfer',
        ip IS NOT NULL AND isNull(toIPv6OrNull(ip)), concat('ip: an IPv4 or IPv6 address is required, got "', ip, '"'),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM user_api_keys_queue
    )
    WHERE row_in_message = 1
);

-- user_browser_actions
DROP VIEW IF EXISTS user_browser_actions_parse_mv SYNC;
DROP TABLE IF EXISTS user_browser_actions_queue SYNC;

CREATE TABLE IF NOT EXISTS user_browser_actions_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    session_id String,
    account_id Nullable(String),
    action String,
    page String,
    device_id Nullable(String),
    user_agent Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.browser',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_browser_actions_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_browser_actions_parse_mv TO user_browser_actions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    session_id, account_id, action, page, device_id, user_agent,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'user.browser_action', concat('type: expected "user.browser_action", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(session_id, '^[!-~]{1,64}$'), 'session_id: 1 to 64 printable ASCII characters without spaces required',
        account_id IS NOT NULL AND NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(action, '^[a-z][a-z0-9_.]{0,63}$'), concat('action: a lower-case name is required, got "', action, '"'),
        NOT match(page, '^.{1,512}$'), 'page: 1 to 512 characters required',
        device_id IS NOT NULL AND NOT match(device_id, '^.{1,128}$'), 'device_id: 1 to 128 characters required',
        user_agent IS NOT NULL AND lengthUTF8(user_agent) > 512, 'user_agent: at most 512 characters',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM user_browser_actions_queue
    )
    WHERE row_in_message = 1
);

-- social_mentions
DROP VIEW IF EXISTS social_mentions_parse_mv SYNC;
DROP TABLE IF EXISTS social_mentions_queue SYNC;

CREATE TABLE IF NOT EXISTS social_mentions_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    published_at Nullable(Float64),
    token String,
    source_kind String,
    source_name String,
    url String,
    title String,
    excerpt String,
    matched_term String,
    mention_count Nullable(Float64),
    sentiment Nullable(Float64),
    scorer String,
    model String,
    content_hash String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}social.mentions',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}social_mentions_v2',
    kafka_format = 'JSONEachRow',
    -- One consumer for three partitions: mentions arrive at news pace, two cores are shared.
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    -- Seconds-level freshness at low rates: a buzz spike must reach the rules quickly.
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS social_mentions_parse_mv TO social_mentions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, published_at,
    token, source_kind, source_name, url, title, excerpt, matched_term, mention_count,
    sentiment, scorer, model, content_hash,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'social.mention', concat('type: expected "social.mention", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(token, '^[A-Z0-9]{2,15}$'), concat('token: an upper-case token is required, got "', token, '"'),
        source_kind NOT IN ('rss', 'atom', 'json', 'replay', 'simulator'), concat('source_kind: unknown kind "', source_kind, '"'),
        NOT match(source_name, '^.{1,64}$'), 'source_name: 1 to 64 characters required',
        lengthUTF8(url) > 2048 OR NOT match(url, '^(https?://\\S+)?$'), 'url: an http(s) URL or empty is required',
        lengthUTF8(title) > 300, 'title: at most 300 characters',
        lengthUTF8(excerpt) > 1000, 'excerpt: at most 1000 characters',
        NOT match(matched_term, '^.{1,64}$'), 'matched_term: 1 to 64 characters required',
        mention_count < 1, concat('mention_count: a positive whole number is required, got ', toString(mention_count)),
        NOT (isFinite(sentiment) AND sentiment BETWEEN -1 AND 1), concat('sentiment: a number in [-1, 1] is required, got ', toString(sentiment)),
        scorer NOT IN ('llm', 'lexicon'), concat('scorer: expected "llm" or "lexicon", got "', scorer, '"'),
        NOT match(model, '^.{1,128}$'), 'model: 1 to 128 characters required',
        NOT match(content_hash, '^[0-9a-f]{64}$'), 'content_hash: a hex SHA-256 is required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        published_at NOT BETWEEN 946684800000 AND 4102444799999, concat('published_at: epoch milliseconds in 2000..2099 required, got ', toString(published_at)),
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(published_at, 0), 'Int64') AS published_at, accurateCastOrDefault(ifNull(mention_count, 0), 'Int64') AS mention_count, ifNull(sentiment, 0) AS sentiment)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(published_at), 'published_at', ''), if(isNull(mention_count), 'mention_count', ''), if(isNull(sentiment), 'sentiment', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(published_at IS NOT NULL AND NOT (isFinite(published_at) AND published_at = floor(published_at) AND abs(published_at) <= 9007199254740991), 'published_at', ''), if(mention_count IS NOT NULL AND NOT (isFinite(mention_count) AND mention_count = floor(mention_count) AND abs(mention_count) <= 9007199254740991), 'mention_count', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM social_mentions_queue
    )
    WHERE row_in_message = 1
);

-- sim_labels
DROP VIEW IF EXISTS sim_labels_parse_mv SYNC;
DROP TABLE IF EXISTS sim_labels_queue SYNC;

CREATE TABLE IF NOT EXISTS sim_labels_queue
(
    event_id String,
    type String,
    source String,
    schema_version Nullable(Float64),
    occurred_at Nullable(Float64),
    produced_at Nullable(Float64),
    scenario String,
    entity_kind String,
    entity String,
    start_at Nullable(Float64),
    end_at Nullable(Float64),
    event_ids Array(String),
    seed Nullable(Float64),
    details String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}sim.labels',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}sim_labels_v2',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    -- Labels are few; a short flush keeps them visible as soon as the scenario ends.
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key, not text
    -- or a number made from it; an omitted field is NULL, or an error naming the column.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS sim_labels_parse_mv TO sim_labels_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    scenario, entity_kind, entity, start_at, end_at, event_ids, seed, details,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows'),
        null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing'),
        bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'sim.label', concat('type: expected "sim.label", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        scenario NOT IN ('account-takeover', 'wash-trading', 'spoofing', 'pump-and-dump', 'negative-buzz'),
            concat('scenario: unknown scenario "', scenario, '"'),
        entity_kind NOT IN ('account', 'token', 'symbol'), concat('entity_kind: unknown kind "', entity_kind, '"'),
        NOT match(entity, '^.{1,64}$'), 'entity: 1 to 64 characters required',
        length(event_ids) NOT BETWEEN 1 AND 10000, 'event_ids: 1 to 10000 ids required',
        NOT arrayAll(id -> match(id, '^[0-9A-HJKMNP-TV-Z]{26}$'), event_ids), 'event_ids: every id must be a ULID',
        seed < 0, 'seed: a non-negative whole number is required',
        lengthUTF8(details) > 2000, 'details: at most 2000 characters',
        start_at NOT BETWEEN 946684800000 AND 4102444799999, 'start_at: epoch milliseconds in 2000..2099 required',
        end_at NOT BETWEEN 946684800000 AND 4102444799999, 'end_at: epoch milliseconds in 2000..2099 required',
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, 'occurred_at: epoch milliseconds in 2000..2099 required',
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, 'produced_at: epoch milliseconds in 2000..2099 required',
        ''
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT * REPLACE (accurateCastOrDefault(ifNull(schema_version, 0), 'Int64') AS schema_version, accurateCastOrDefault(ifNull(occurred_at, 0), 'Int64') AS occurred_at, accurateCastOrDefault(ifNull(produced_at, 0), 'Int64') AS produced_at, accurateCastOrDefault(ifNull(start_at, 0), 'Int64') AS start_at, accurateCastOrDefault(ifNull(end_at, 0), 'Int64') AS end_at, accurateCastOrDefault(ifNull(seed, 0), 'Int64') AS seed)
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            arrayStringConcat(arrayFilter(name -> name != '', [if(isNull(schema_version), 'schema_version', ''), if(isNull(occurred_at), 'occurred_at', ''), if(isNull(produced_at), 'produced_at', ''), if(isNull(start_at), 'start_at', ''), if(isNull(end_at), 'end_at', ''), if(isNull(seed), 'seed', '')]), ', ') AS null_numbers,
            arrayStringConcat(arrayFilter(name -> name != '', [if(schema_version IS NOT NULL AND NOT (isFinite(schema_version) AND schema_version = floor(schema_version) AND abs(schema_version) <= 9007199254740991), 'schema_version', ''), if(occurred_at IS NOT NULL AND NOT (isFinite(occurred_at) AND occurred_at = floor(occurred_at) AND abs(occurred_at) <= 9007199254740991), 'occurred_at', ''), if(produced_at IS NOT NULL AND NOT (isFinite(produced_at) AND produced_at = floor(produced_at) AND abs(produced_at) <= 9007199254740991), 'produced_at', ''), if(start_at IS NOT NULL AND NOT (isFinite(start_at) AND start_at = floor(start_at) AND abs(start_at) <= 9007199254740991), 'start_at', ''), if(end_at IS NOT NULL AND NOT (isFinite(end_at) AND end_at = floor(end_at) AND abs(end_at) <= 9007199254740991), 'end_at', ''), if(seed IS NOT NULL AND NOT (isFinite(seed) AND seed = floor(seed) AND abs(seed) <= 9007199254740991), 'seed', '')]), ', ') AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM sim_labels_queue
    )
    WHERE row_in_message = 1
);
