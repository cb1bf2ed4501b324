-- user.browser → user_browser_actions: browser beacons (contract: userBrowserActionSchema in
-- lib/contracts/user.ts). Deduplicated by event_id (ReplacingMergeTree, event_id last in
-- the sort key): browsers retry beacons, and a retried batch carries the same ids.
CREATE TABLE IF NOT EXISTS user_browser_actions
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the browser',
    account_id      String                          COMMENT 'empty before login' CODEC(ZSTD(1)),
    session_id      String                          CODEC(ZSTD(1)),
    action          LowCardinality(String),
    page            LowCardinality(String),
    device_id       String                          CODEC(ZSTD(1)),
    user_agent      String                          CODEC(ZSTD(3)),
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
-- Account first (risk drill-down), then session: anonymous sessions group under ''.
ORDER BY (account_id, session_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003 for the reasons behind each setting).
CREATE TABLE IF NOT EXISTS user_browser_actions_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    session_id String, account_id Nullable(String), action String, page String,
    device_id Nullable(String), user_agent Nullable(String)
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.browser',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_browser_actions',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS user_browser_actions_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    session_id String, account_id Nullable(String), action String, page String,
    device_id Nullable(String), user_agent Nullable(String),
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors userBrowserActionSchema, naming the first field that fails.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_browser_actions_parse_mv TO user_browser_actions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    session_id, account_id, action, page, device_id, user_agent,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM user_browser_actions_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_browser_actions_mv TO user_browser_actions AS
SELECT
    toFixedString(event_id, 26) AS event_id, ifNull(account_id, '') AS account_id, session_id,
    action, page, ifNull(device_id, '') AS device_id, ifNull(user_agent, '') AS user_agent,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM user_browser_actions_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS user_browser_actions_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        session_id, account_id, action, page, device_id, user_agent)) AS raw_message,
    'user_browser_actions_queue' AS consumer
FROM user_browser_actions_parsed
WHERE error != '';
