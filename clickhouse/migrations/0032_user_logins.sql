-- user.logins → user_logins: every login attempt, successful or not (contract:
-- userLoginSchema in lib/contracts/user.ts). Deduplicated by event_id (ReplacingMergeTree,
-- event_id last in the sort key): failed-login counts drive brute-force rules, so a
-- redelivered or retried event must not count twice (FINAL or count(DISTINCT) before merges).
CREATE TABLE IF NOT EXISTS user_logins
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    account_id      String                          COMMENT 'the account the attempt claimed' CODEC(ZSTD(1)),
    outcome         Enum8('success' = 1, 'bad_password' = 2, 'bad_mfa' = 3, 'locked' = 4, 'blocked' = 5),
    -- IPv4 is stored mapped (::ffff:a.b.c.d): one type, and isIPAddressInRange works on both.
    ip              IPv6,
    user_agent      String                          CODEC(ZSTD(3)),
    device_id       String                          COMMENT 'empty when unknown' CODEC(ZSTD(1)),
    geo_country     LowCardinality(String)          COMMENT 'ISO 3166-1 alpha-2, empty when unknown',
    geo_city        LowCardinality(String)          COMMENT 'empty when unknown',
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1)),
    -- "Which accounts logged in from this IP?" is the other common question.
    INDEX ip_idx ip TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(occurred_at)
ORDER BY (account_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003 for the reasons behind each setting). Optional
-- contract fields are Nullable here so that absent is told apart from empty, as zod does.
CREATE TABLE IF NOT EXISTS user_logins_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    account_id String, ip String, user_agent String, device_id Nullable(String),
    geo_country Nullable(String), geo_city Nullable(String), outcome String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.logins',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_logins',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS user_logins_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    account_id String, ip String, user_agent String, device_id Nullable(String),
    geo_country Nullable(String), geo_city Nullable(String), outcome String,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors userLoginSchema, naming the first field that fails.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_parse_mv TO user_logins_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    account_id, ip, user_agent, device_id, geo_country, geo_city, outcome,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM user_logins_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_mv TO user_logins AS
SELECT
    toFixedString(event_id, 26) AS event_id, account_id,
    CAST(outcome, 'Enum8(\'success\' = 1, \'bad_password\' = 2, \'bad_mfa\' = 3, \'locked\' = 4, \'blocked\' = 5)') AS outcome,
    toIPv6(ip) AS ip, user_agent, ifNull(device_id, '') AS device_id,
    ifNull(geo_country, '') AS geo_country, ifNull(geo_city, '') AS geo_city,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM user_logins_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        account_id, ip, user_agent, device_id, geo_country, geo_city, outcome)) AS raw_message,
    'user_logins_queue' AS consumer
FROM user_logins_parsed
WHERE error != '';
