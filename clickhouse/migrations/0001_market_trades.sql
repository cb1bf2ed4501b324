-- Public trades from every venue, one row per trade (contract: lib/contracts/market.ts).
-- ReplacingMergeTree on the full sort key: a trade redelivered by at-least-once ingestion
-- has the same (venue, symbol, occurred_at, event_id) and collapses on merge; queries that
-- count before merges use FINAL or count(DISTINCT event_id).
CREATE TABLE IF NOT EXISTS market_trades
(
    event_id        FixedString(26)                 COMMENT 'ULID given by the producer',
    venue           LowCardinality(String),
    symbol          LowCardinality(String),
    trade_id        String                          CODEC(ZSTD(1)),
    side            Enum8('buy' = 1, 'sell' = 2)    COMMENT 'aggressor side',
    -- Gorilla suits slowly moving doubles (prices, sizes) better than Delta does.
    price           Float64                         CODEC(Gorilla, ZSTD(1)),
    quantity        Float64                         CODEC(Gorilla, ZSTD(1)),
    -- Timestamps rise almost monotonically within a part: DoubleDelta stores them in bits.
    occurred_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
    received_at     DateTime64(3, 'UTC')            CODEC(DoubleDelta, ZSTD(1)),
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
-- Dashboards filter by venue and symbol, then a time range.
ORDER BY (venue, symbol, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;
