-- Ground truth from the scenario simulator (contract: lib/contracts/simulation.ts): which
-- scenario happened to which entity, when, through which events. A detection report joins
-- alerts with these rows; event_ids join with the facts.
CREATE TABLE IF NOT EXISTS sim_labels
(
    event_id        FixedString(26),
    scenario        LowCardinality(String),
    entity_kind     Enum8('account' = 1, 'token' = 2, 'symbol' = 3),
    entity          String,
    start_at        DateTime64(3, 'UTC'),
    end_at          DateTime64(3, 'UTC'),
    event_ids       Array(FixedString(26))          CODEC(ZSTD(3)),
    seed            UInt64,
    details         String                          CODEC(ZSTD(3)),
    occurred_at     DateTime64(3, 'UTC'),
    produced_at     DateTime64(3, 'UTC'),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16,
    kafka_offset    UInt64
)
-- A handful of rows per run: the engine choice is about de-duplicating redelivery, not size.
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(start_at)
ORDER BY (scenario, entity, start_at, event_id)
TTL toDateTime(start_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- sim.labels → sim_labels through the same queue → parsed → fact / dead_letters chain.
CREATE TABLE IF NOT EXISTS sim_labels_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    scenario String, entity_kind String, entity String, start_at Int64, end_at Int64,
    event_ids Array(String), seed Int64, details String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}sim.labels',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}sim_labels',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    -- Labels are few; a short flush keeps them visible as soon as the scenario ends.
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS sim_labels_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    scenario String, entity_kind String, entity String, start_at Int64, end_at Int64,
    event_ids Array(String), seed Int64, details String,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS sim_labels_parse_mv TO sim_labels_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    scenario, entity_kind, entity, start_at, end_at, event_ids, seed, details,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM sim_labels_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS sim_labels_mv TO sim_labels AS
SELECT
    toFixedString(event_id, 26) AS event_id, scenario,
    CAST(entity_kind, 'Enum8(\'account\' = 1, \'token\' = 2, \'symbol\' = 3)') AS entity_kind, entity,
    fromUnixTimestamp64Milli(start_at, 'UTC') AS start_at,
    fromUnixTimestamp64Milli(end_at, 'UTC') AS end_at,
    arrayMap(id -> toFixedString(id, 26), event_ids) AS event_ids,
    toUInt64(seed) AS seed, details,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM sim_labels_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS sim_labels_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        scenario, entity_kind, entity, start_at, end_at, event_ids, seed, details)) AS raw_message,
    'sim_labels_queue' AS consumer
FROM sim_labels_parsed
WHERE error != '';
