-- user.api_keys → user_api_keys: every API-key creation, permission change and revocation
-- (contract: userApiKeySchema in lib/contracts/user.ts). Deduplicated by event_id
-- (ReplacingMergeTree, event_id last in the sort key; FINAL or count(DISTINCT) before merges).
CREATE TABLE IF NOT EXISTS user_api_keys
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    account_id      String                          CODEC(ZSTD(1)),
    key_id          String                          CODEC(ZSTD(1)),
    action          Enum8('created' = 1, 'permissions_changed' = 2, 'ip_allowlist_changed' = 3, 'revoked' = 4),
    permissions     Array(Enum8('read' = 1, 'trade' = 2, 'withdraw' = 3, 'transfer' = 4)) COMMENT 'after the change',
    ip              Nullable(IPv6)                  COMMENT 'where the change was made from, when known',
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(occurred_at)
ORDER BY (account_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003 for the reasons behind each setting).
CREATE TABLE IF NOT EXISTS user_api_keys_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    account_id String, key_id String, action String, permissions Array(String), ip Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.api_keys',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_api_keys',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS user_api_keys_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    account_id String, key_id String, action String, permissions Array(String), ip Nullable(String),
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors userApiKeySchema, naming the first field that fails.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_api_keys_parse_mv TO user_api_keys_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    account_id, key_id, action, permissions, ip,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM user_api_keys_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_api_keys_mv TO user_api_keys AS
SELECT
    toFixedString(event_id, 26) AS event_id, account_id, key_id,
    CAST(action, 'Enum8(\'created\' = 1, \'permissions_changed\' = 2, \'ip_allowlist_changed\' = 3, \'revoked\' = 4)') AS action,
    CAST(permissions, 'Array(Enum8(\'read\' = 1, \'trade\' = 2, \'withdraw\' = 3, \'transfer\' = 4))') AS permissions,
    toIPv6OrNull(ip) AS ip,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM user_api_keys_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS user_api_keys_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        account_id, key_id, action, permissions, ip)) AS raw_message,
    'user_api_keys_queue' AS consumer
FROM user_api_keys_parsed
WHERE error != '';
