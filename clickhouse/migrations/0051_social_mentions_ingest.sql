-- social.mentions → social_mentions, through the chain every topic uses (see 0003):
--   social_mentions_queue (Kafka engine) → social_mentions_parse_mv → social_mentions_parsed (Null)
--     ├─ social_mentions_mv     → social_mentions   rows that pass the contract
--     └─ social_mentions_dlq_mv → dead_letters      broken JSON and contract violations
-- The checks mirror lib/contracts/social.ts. Text lengths are counted in code points here
-- and UTF-16 units in zod, so the warehouse is never stricter than the producer.

CREATE TABLE IF NOT EXISTS social_mentions_queue
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, published_at Int64,
    token String, source_kind String, source_name String, url String, title String,
    excerpt String, matched_term String, mention_count Int64, sentiment Float64,
    scorer String, model String, content_hash String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '${KAFKA_BROKERS}',
    kafka_topic_list = '${KAFKA_TOPIC_PREFIX}social.mentions',
    kafka_group_name = '${KAFKA_GROUP_PREFIX}social_mentions',
    kafka_format = 'JSONEachRow',
    -- One consumer for three partitions: mentions arrive at news pace, two cores are shared.
    kafka_num_consumers = 1,
    kafka_max_block_size = 65536,
    -- Seconds-level freshness at low rates: a buzz spike must reach the rules quickly.
    kafka_flush_interval_ms = ${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1;

CREATE TABLE IF NOT EXISTS social_mentions_parsed
(
    event_id String, type String, source String, schema_version UInt8,
    occurred_at Int64, produced_at Int64, published_at Int64,
    token String, source_kind String, source_name String, url String, title String,
    excerpt String, matched_term String, mention_count Int64, sentiment Float64,
    scorer String, model String, content_hash String,
    topic String, kafka_partition UInt64, kafka_offset UInt64, kafka_key String,
    raw_message String, error String
)
ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS social_mentions_parse_mv TO social_mentions_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at, published_at,
    token, source_kind, source_name, url, title, excerpt, matched_term, mention_count,
    sentiment, scorer, model, content_hash,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
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
FROM social_mentions_queue;

CREATE MATERIALIZED VIEW IF NOT EXISTS social_mentions_mv TO social_mentions AS
SELECT
    toFixedString(event_id, 26) AS event_id, token,
    CAST(source_kind, 'Enum8(\'rss\' = 1, \'atom\' = 2, \'json\' = 3, \'replay\' = 4, \'simulator\' = 5)') AS source_kind,
    source_name, url, title, excerpt, matched_term,
    toUInt16(least(mention_count, 65535)) AS mention_count, toFloat32(sentiment) AS sentiment,
    CAST(scorer, 'Enum8(\'llm\' = 1, \'lexicon\' = 2)') AS scorer, model,
    toFixedString(content_hash, 64) AS content_hash,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(published_at, 'UTC') AS published_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset
FROM social_mentions_parsed
WHERE error = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS social_mentions_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        event_id, type, source, schema_version, occurred_at, produced_at, published_at,
        token, source_kind, source_name, url, title, excerpt, matched_term, mention_count,
        sentiment, scorer, model, content_hash)) AS raw_message,
    'social_mentions_queue' AS consumer
FROM social_mentions_parsed
WHERE error != '';
