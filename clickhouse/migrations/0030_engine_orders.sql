-- engine.orders → engine_orders: every order lifecycle event of the matching engine
-- (contract: engineOrderSchema in lib/contracts/engine.ts), one row per event.
-- ReplacingMergeTree with event_id last in the sort key: an event redelivered by
-- at-least-once ingestion (or a collector retry) collapses on merge; order-count rules
-- count before merges with FINAL or count(DISTINCT event_id).
CREATE TABLE IF NOT EXISTS engine_orders
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    event           Enum8('new' = 1, 'amend' = 2, 'cancel' = 3, 'fill' = 4, 'reject' = 5),
    account_id      String                          CODEC(ZSTD(1)),
    order_id        String                          CODEC(ZSTD(1)),
    client_order_id String                          COMMENT 'empty when the client gave none' CODEC(ZSTD(1)),
    symbol          LowCardinality(String),
    side            Enum8('buy' = 1, 'sell' = 2),
    order_type      Enum8('limit' = 1, 'market' = 2, 'stop_limit' = 3, 'stop_market' = 4),
    time_in_force   Enum8('gtc' = 1, 'ioc' = 2, 'fok' = 3, 'gtd' = 4, 'post_only' = 5),
    -- Nullable where the contract makes a field optional: "no limit price" is not price 0.
    price           Nullable(Float64)               CODEC(Gorilla, ZSTD(1)),
    stop_price      Nullable(Float64)               CODEC(Gorilla, ZSTD(1)),
    quantity        Float64                         CODEC(Gorilla, ZSTD(1)),
    filled_quantity Float64                         CODEC(Gorilla, ZSTD(1)),
    expires_at      Nullable(DateTime64(3, 'UTC'))  CODEC(ZSTD(1)),
    fill_price      Nullable(Float64)               CODEC(Gorilla, ZSTD(1)),
    fill_quantity   Nullable(Float64)               CODEC(Gorilla, ZSTD(1)),
    trade_id        String                          COMMENT 'set on fills' CODEC(ZSTD(1)),
    reject_reason   LowCardinality(String)          COMMENT 'set on rejects',
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(ingested_at)
-- Daily partitions: TTL drops whole days, queries prune by time.
PARTITION BY toYYYYMMDD(occurred_at)
-- Risk rules and the account drill-down filter by account, then a time range.
ORDER BY (account_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003): _queue (Kafka) → _parse_mv → _parsed (Null, checks)
-- → _mv → fact, and _dlq_mv → dead_letters. Optional contract fields are Nullable here so an
-- absent field (NULL) is told apart from a present but empty or zero one, as zod does.
CREATE TABLE IF NOT EXISTS engine_orders_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    event String, order_id String, client_order_id Nullable(String), account_id String,
    symbol String, side String, order_type String, time_in_force String,
    price Nullable(Float64), stop_price Nullable(Float64), quantity Float64, filled_quantity Float64,
    expires_at Nullable(Int64), fill_price Nullable(Float64), fill_quantity Nullable(Float64),
    trade_id Nullable(String), reject_reason Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}engine.orders',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}engine_orders',
    kafka_format = 'JSONEachRow',
    -- One consumer per topic: the machine has two cores and several topics to read.
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS engine_orders_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    event String, order_id String, client_order_id Nullable(String), account_id String,
    symbol String, side String, order_type String, time_in_force String,
    price Nullable(Float64), stop_price Nullable(Float64), quantity Float64, filled_quantity Float64,
    expires_at Nullable(Int64), fill_price Nullable(Float64), fill_quantity Nullable(Float64),
    trade_id Nullable(String), reject_reason Nullable(String),
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors engineOrderSchema, field by field, naming the first field that fails.
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
FROM engine_orders_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_orders_mv TO engine_orders AS
SELECT
    toFixedString(event_id, 26) AS event_id,
    CAST(event, 'Enum8(\'new\' = 1, \'amend\' = 2, \'cancel\' = 3, \'fill\' = 4, \'reject\' = 5)') AS event,
    account_id, order_id, ifNull(client_order_id, '') AS client_order_id, symbol,
    CAST(side, 'Enum8(\'buy\' = 1, \'sell\' = 2)') AS side,
    CAST(order_type, 'Enum8(\'limit\' = 1, \'market\' = 2, \'stop_limit\' = 3, \'stop_market\' = 4)') AS order_type,
    CAST(time_in_force, 'Enum8(\'gtc\' = 1, \'ioc\' = 2, \'fok\' = 3, \'gtd\' = 4, \'post_only\' = 5)') AS time_in_force,
    price, stop_price, quantity, filled_quantity,
    fromUnixTimestamp64Milli(expires_at, 'UTC') AS expires_at,
    fill_price, fill_quantity, ifNull(trade_id, '') AS trade_id, ifNull(reject_reason, '') AS reject_reason,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM engine_orders_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS engine_orders_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        event, order_id, client_order_id, account_id, symbol, side, order_type, time_in_force,
        price, stop_price, quantity, filled_quantity, expires_at, fill_price, fill_quantity,
        trade_id, reject_reason)) AS raw_message,
    'engine_orders_queue' AS consumer
FROM engine_orders_parsed
WHERE error != '';
