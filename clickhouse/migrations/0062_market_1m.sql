-- market_1m: market health per venue, symbol and minute, the table market dashboards read
-- instead of market_trades / market_book_l1.
--
-- Design (docs/warehouse.md, "Rollups"): a refreshable materialized view recomputes, every
-- few seconds, each (venue, symbol, minute) that received a row since its last run, from the
-- facts read with FINAL, and appends the result. The table keeps the newest computation of
-- each minute (ReplacingMergeTree on computed_at). Why not an incremental AggregatingMergeTree:
-- an incremental view sees a redelivered trade twice and its volume/VWAP/count states would
-- count it twice; FINAL facts count it once. Late trades (any age inside the TTL) are covered:
-- the minute they belong to is recomputed when they arrive.
-- Readers: `FROM market_1m FINAL` (the table is small; FINAL collapses recomputed minutes).
CREATE TABLE IF NOT EXISTS market_1m
(
    venue            LowCardinality(String),
    symbol           LowCardinality(String),
    minute           DateTime('UTC')                COMMENT 'start of the minute (venue time)',
    -- Trades. NULL when the minute had book updates but no trade: no price is not price 0.
    open             Nullable(Float64),
    high             Nullable(Float64),
    low              Nullable(Float64),
    close            Nullable(Float64),
    vwap             Nullable(Float64),
    trades           UInt32                         COMMENT 'distinct trades (event_id)',
    volume           Float64                        COMMENT 'base asset',
    quote_volume     Float64                        COMMENT 'quote asset (USDT for *USDT)',
    buy_volume       Float64                        COMMENT 'aggressor buys, base asset',
    sell_volume      Float64                        COMMENT 'aggressor sells, base asset',
    -- Top of book (market_book_l1). NULL when the minute had no book update.
    book_updates     UInt32,
    spread_bps_mean  Nullable(Float64)              COMMENT '(ask - bid) / mid × 10,000',
    spread_bps_max   Nullable(Float64),
    bid_depth_mean   Nullable(Float64)              COMMENT 'best bid quantity × price, quote asset',
    ask_depth_mean   Nullable(Float64)              COMMENT 'best ask quantity × price, quote asset',
    imbalance_mean   Nullable(Float64)              COMMENT '(bid qty - ask qty) / (bid qty + ask qty), in [-1, 1]',
    -- Feed quality over trades and book updates: received_at - occurred_at.
    latency_ms_p50   Nullable(Float64),
    latency_ms_p95   Nullable(Float64),
    latency_ms_max   Nullable(Int64),
    last_received_at DateTime64(3, 'UTC')           COMMENT 'freshness: now() - max(last_received_at)',
    computed_at      DateTime64(3, 'UTC')           CODEC(Delta, ZSTD(1))
)
-- The newest computation of a minute wins; FINAL (or argMax by computed_at) reads it before merges.
ENGINE = ReplacingMergeTree(computed_at)
-- Daily partitions, as the facts: TTL drops whole days.
PARTITION BY toYYYYMMDD(minute)
-- Dashboards pick a venue and symbol, then a time range.
ORDER BY (venue, symbol, minute)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- Every 5 s: seconds-level freshness for the dashboards, and each run reads only the parts
-- written since the previous one (the ingested_at index from 0061).
-- The watermark is the newest computed_at minus 30 s: a part committed a little after a run
-- started is still picked up by the next one, and after a stop the first run catches up on
-- everything since (an empty table recomputes all facts: the backfill).
CREATE MATERIALIZED VIEW IF NOT EXISTS market_1m_refresh
REFRESH EVERY 5 SECOND
APPEND TO market_1m
AS
WITH
    (SELECT max(computed_at) FROM market_1m) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_trades WHERE ingested_at >= since
        UNION DISTINCT
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_book_l1 WHERE ingested_at >= since
    ),
    trades AS
    (
        SELECT
            venue, symbol, toStartOfMinute(occurred_at) AS minute,
            -- (occurred_at, event_id): trades in the same millisecond are ordered by their ULID.
            argMin(price, (occurred_at, event_id)) AS open,
            max(price) AS high,
            min(price) AS low,
            argMax(price, (occurred_at, event_id)) AS close,
            count() AS trades,
            sum(quantity) AS volume,
            sum(price * quantity) AS quote_volume,
            sumIf(quantity, side = 'buy') AS buy_volume,
            sumIf(quantity, side = 'sell') AS sell_volume
        FROM market_trades FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM touched)
          AND (venue, symbol, toStartOfMinute(occurred_at)) IN touched
        GROUP BY venue, symbol, minute
    ),
    book AS
    (
        SELECT
            venue, symbol, toStartOfMinute(occurred_at) AS minute,
            count() AS book_updates,
            avg((ask_price - bid_price) / ((ask_price + bid_price) / 2) * 10000) AS spread_bps_mean,
            max((ask_price - bid_price) / ((ask_price + bid_price) / 2) * 10000) AS spread_bps_max,
            avg(bid_quantity * bid_price) AS bid_depth_mean,
            avg(ask_quantity * ask_price) AS ask_depth_mean,
            avg((bid_quantity - ask_quantity) / (bid_quantity + ask_quantity)) AS imbalance_mean
        FROM market_book_l1 FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM touched)
          AND (venue, symbol, toStartOfMinute(occurred_at)) IN touched
        GROUP BY venue, symbol, minute
    ),
    feed AS
    (
        SELECT
            venue, symbol, minute,
            -- Exact quantiles: a minute holds thousands of rows at most, and exact figures
            -- can be checked against the facts.
            quantileExact(0.5)(latency_ms) AS latency_ms_p50,
            quantileExact(0.95)(latency_ms) AS latency_ms_p95,
            max(latency_ms) AS latency_ms_max,
            max(received_at) AS last_received_at
        FROM
        (
            SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, received_at,
                   dateDiff('millisecond', occurred_at, received_at) AS latency_ms
            FROM market_trades FINAL
            WHERE occurred_at >= (SELECT min(minute) FROM touched)
              AND (venue, symbol, toStartOfMinute(occurred_at)) IN touched
            UNION ALL
            SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, received_at,
                   dateDiff('millisecond', occurred_at, received_at) AS latency_ms
            FROM market_book_l1 FINAL
            WHERE occurred_at >= (SELECT min(minute) FROM touched)
              AND (venue, symbol, toStartOfMinute(occurred_at)) IN touched
        )
        GROUP BY venue, symbol, minute
    )
SELECT
    t.venue AS venue, t.symbol AS symbol, t.minute AS minute,
    tr.open AS open, tr.high AS high, tr.low AS low, tr.close AS close,
    tr.quote_volume / tr.volume AS vwap,
    ifNull(tr.trades, 0) AS trades,
    ifNull(tr.volume, 0) AS volume,
    ifNull(tr.quote_volume, 0) AS quote_volume,
    ifNull(tr.buy_volume, 0) AS buy_volume,
    ifNull(tr.sell_volume, 0) AS sell_volume,
    ifNull(b.book_updates, 0) AS book_updates,
    b.spread_bps_mean AS spread_bps_mean, b.spread_bps_max AS spread_bps_max,
    b.bid_depth_mean AS bid_depth_mean, b.ask_depth_mean AS ask_depth_mean,
    b.imbalance_mean AS imbalance_mean,
    f.latency_ms_p50 AS latency_ms_p50, f.latency_ms_p95 AS latency_ms_p95,
    f.latency_ms_max AS latency_ms_max, f.last_received_at AS last_received_at,
    now64(3) AS computed_at
FROM touched AS t
LEFT JOIN trades AS tr ON tr.venue = t.venue AND tr.symbol = t.symbol AND tr.minute = t.minute
LEFT JOIN book AS b ON b.venue = t.venue AND b.symbol = t.symbol AND b.minute = t.minute
LEFT JOIN feed AS f ON f.venue = t.venue AND f.symbol = t.symbol AND f.minute = t.minute
-- NULLs for the side (trades or book) a minute lacks, instead of zeros that look like prices.
SETTINGS join_use_nulls = 1;
