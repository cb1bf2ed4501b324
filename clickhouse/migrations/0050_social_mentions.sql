-- Token mentions from news feeds, JSON sources, replays and the simulator, one row per
-- (item, token) (contract: lib/contracts/social.ts).
-- ReplacingMergeTree on the full sort key, as market_trades: a mention redelivered by
-- at-least-once ingestion collapses on merge; exact counts before merges use FINAL or
-- count(DISTINCT event_id).
CREATE TABLE IF NOT EXISTS social_mentions
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    token           LowCardinality(String),
    source_kind     Enum8('rss' = 1, 'atom' = 2, 'json' = 3, 'replay' = 4, 'simulator' = 5),
    source_name     LowCardinality(String),
    url             String                          CODEC(ZSTD(3)),
    title           String                          CODEC(ZSTD(3)),
    excerpt         String                          CODEC(ZSTD(3)),
    matched_term    LowCardinality(String),
    mention_count   UInt16                          CODEC(T64, ZSTD(1)),
    -- A score in [-1, 1]: Float32 keeps far more precision than any scorer has.
    sentiment       Float32                         CODEC(ZSTD(1)),
    scorer          Enum8('llm' = 1, 'lexicon' = 2) COMMENT 'which scorer produced sentiment',
    model           LowCardinality(String)          COMMENT 'the LLM, or the lexicon package and version',
    -- Shared by every token of one item: joins a mention with its siblings.
    content_hash    FixedString(64)                 CODEC(ZSTD(1)),
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    published_at    DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    produced_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    source          LowCardinality(String),
    schema_version  UInt8,
    kafka_partition UInt16                          CODEC(ZSTD(1)),
    kafka_offset    UInt64                          CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(ingested_at)
-- Daily partitions: TTL drops whole days, dashboards prune by time.
PARTITION BY toYYYYMMDD(occurred_at)
-- Buzz and sentiment are read per token over a time window.
ORDER BY (token, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;
