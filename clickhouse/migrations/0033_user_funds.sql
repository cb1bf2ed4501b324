-- user.funds → user_funds: deposits and withdrawals, one row per status change (contract:
-- userFundsSchema in lib/contracts/user.ts). Deduplicated by event_id (ReplacingMergeTree,
-- event_id last in the sort key): withdrawal sums drive risk rules, so a redelivered event
-- must not count twice (FINAL or count(DISTINCT) before merges).
CREATE TABLE IF NOT EXISTS user_funds
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    account_id      String                          CODEC(ZSTD(1)),
    direction       Enum8('deposit' = 1, 'withdrawal' = 2) COMMENT 'from the event type',
    transfer_id     String                          CODEC(ZSTD(1)),
    status          Enum8('requested' = 1, 'pending' = 2, 'approved' = 3, 'sent' = 4,
                          'completed' = 5, 'failed' = 6, 'cancelled' = 7, 'rejected' = 8),
    asset           LowCardinality(String),
    network         LowCardinality(String)          COMMENT 'empty when the asset has one network',
    amount          Float64                         CODEC(Gorilla, ZSTD(1)),
    address         String                          CODEC(ZSTD(1)),
    address_tag     String                          CODEC(ZSTD(1)),
    tx_hash         String                          CODEC(ZSTD(1)),
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1)),
    -- "Which accounts withdraw to this address?" (shared destinations) without a full scan.
    INDEX address_idx address TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMMDD(occurred_at)
ORDER BY (account_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- The chain every topic uses (see 0003). One Kafka table reads both event types.
CREATE TABLE IF NOT EXISTS user_funds_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    transfer_id String, account_id String, asset String, network Nullable(String), amount Float64,
    address String, address_tag Nullable(String), tx_hash Nullable(String), status String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}user.funds',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}user_funds',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    kafka_handle_error_mode = 'stream',
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS user_funds_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64,
    transfer_id String, account_id String, asset String, network Nullable(String), amount Float64,
    address String, address_tag Nullable(String), tx_hash Nullable(String), status String,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

-- Mirrors userDepositSchema / userWithdrawalSchema, naming the first field that fails.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_parse_mv TO user_funds_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    transfer_id, account_id, asset, network, amount, address, address_tag, tx_hash, status,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM user_funds_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_mv TO user_funds AS
SELECT
    toFixedString(event_id, 26) AS event_id, account_id,
    CAST(if(type = 'user.deposit', 'deposit', 'withdrawal'), 'Enum8(\'deposit\' = 1, \'withdrawal\' = 2)') AS direction,
    transfer_id,
    CAST(status, 'Enum8(\'requested\' = 1, \'pending\' = 2, \'approved\' = 3, \'sent\' = 4, \'completed\' = 5, \'failed\' = 6, \'cancelled\' = 7, \'rejected\' = 8)') AS status,
    asset, ifNull(network, '') AS network, amount, address,
    ifNull(address_tag, '') AS address_tag, ifNull(tx_hash, '') AS tx_hash,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM user_funds_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at,
        transfer_id, account_id, asset, network, amount, address, address_tag, tx_hash, status)) AS raw_message,
    'user_funds_queue' AS consumer
FROM user_funds_parsed
WHERE error != '';
