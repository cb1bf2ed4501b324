-- market_derivs_1m: the perpetuals desk's view per venue, symbol and minute: order flow (volume
-- delta, the minute's step of CVD), large trades against the symbol's own distribution,
-- realised volatility and its z-score, mark/index basis and funding, liquidations by side.
--
-- Same design as market_1m (0062): a refreshable view recomputes, from the facts read with
-- FINAL (a redelivered event counts once), every minute whose inputs changed since its last
-- run, and appends; the table keeps the newest computation (ReplacingMergeTree on computed_at).
-- Two figures read the hour before their minute (the whale threshold and the volatility
-- baseline), so a changed minute also recomputes the 60 minutes after it: a late trade moves
-- every figure it feeds, not only its own minute's.
-- CVD itself is not stored: it is a running sum of volume_delta over whatever range a reader
-- picks (`sum(volume_delta) OVER (PARTITION BY venue, symbol ORDER BY minute)`), so it never
-- depends on where a table happened to start.
-- Readers: `FROM market_derivs_1m FINAL`.
CREATE TABLE IF NOT EXISTS market_derivs_1m
(
    venue              LowCardinality(String),
    symbol             LowCardinality(String),
    minute             DateTime('UTC')          COMMENT 'start of the minute (venue time)',
    -- Order flow, from the aggressor side of each trade.
    trades             UInt32                   COMMENT 'distinct trades (event_id)',
    buy_volume         Float64                  COMMENT 'aggressor buys, base asset',
    sell_volume        Float64                  COMMENT 'aggressor sells, base asset',
    volume_delta       Float64                  COMMENT 'buy_volume - sell_volume: the minute''s step of CVD',
    notional_delta     Float64                  COMMENT 'the same in quote asset (price × quantity)',
    -- Large trades: notional >= exp(mean + 3 sd) of ln(notional) over the symbol''s trades of
    -- the 60 minutes before; NULL threshold (no whales) with fewer than 30 trades to judge by.
    whale_threshold    Nullable(Float64)        COMMENT 'quote asset',
    whale_trades       UInt32,
    whale_notional     Float64                  COMMENT 'quote asset',
    -- Realised volatility: sqrt of the sum of squared log returns between consecutive trades.
    rv_bps             Nullable(Float64)        COMMENT 'NULL with fewer than 2 trades',
    rv_z               Nullable(Float64)        COMMENT 'against the rv_bps of the 60 minutes before (>= 10 of them, sd > 0)',
    -- Mark price and funding (market_mark), the minute's last update and mean basis.
    mark_price         Nullable(Float64),
    index_price        Nullable(Float64),
    basis_bps          Nullable(Float64)        COMMENT 'mean (mark / index - 1) × 10,000',
    basis_annualised   Nullable(Float64)        COMMENT 'basis as a fraction × 1095 (8-hour periods a year)',
    funding_rate       Nullable(Float64)        COMMENT 'per funding interval, last of the minute',
    funding_annualised Nullable(Float64)        COMMENT 'funding_rate × 1095 (8-hour funding assumed)',
    next_funding_at    Nullable(DateTime64(3, 'UTC')),
    -- Liquidations: a sell liquidation closes a long, a buy closes a short.
    long_liquidations  UInt32,
    long_liq_notional  Float64                  COMMENT 'quote asset',
    short_liquidations UInt32,
    short_liq_notional Float64                  COMMENT 'quote asset',
    computed_at        DateTime64(3, 'UTC')     CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMMDD(minute)
ORDER BY (venue, symbol, minute)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- Every 10 s: the desk reads minutes, and each run reads the facts of the touched markets'
-- last hour and more; the watermark is the newest computed_at minus 30 s, as in market_1m.
CREATE MATERIALIZED VIEW IF NOT EXISTS market_derivs_1m_refresh
REFRESH EVERY 10 SECOND
APPEND TO market_derivs_1m
AS
WITH
    (SELECT max(computed_at) FROM market_derivs_1m) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_trades WHERE ingested_at >= since
        UNION DISTINCT
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_mark WHERE ingested_at >= since
        UNION DISTINCT
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_liquidations WHERE ingested_at >= since
    ),
    -- A touched minute and the hour after it (figures that read the hour before them).
    affected AS
    (
        SELECT DISTINCT venue, symbol, minute + toIntervalMinute(k) AS minute
        FROM touched ARRAY JOIN range(61) AS k
        WHERE minute + toIntervalMinute(k) <= now()
    ),
    trade_rows AS
    (
        SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute, occurred_at, event_id, side,
               price, quantity, price * quantity AS notional
        FROM market_trades FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM affected) - INTERVAL 60 MINUTE
          AND (venue, symbol) IN (SELECT venue, symbol FROM affected)
    ),
    per_minute AS
    (
        SELECT
            venue, symbol, minute,
            count() AS trades,
            sumIf(quantity, side = 'buy') AS buy_volume,
            sumIf(quantity, side = 'sell') AS sell_volume,
            sumIf(notional, side = 'buy') - sumIf(notional, side = 'sell') AS notional_delta,
            sum(log(notional)) AS ln_sum,
            sum(log(notional) * log(notional)) AS ln_sq_sum,
            -- Log returns between consecutive trades, in (time, event_id) order.
            arrayMap(x -> log(x.3), arraySort(groupArray((occurred_at, event_id, price)))) AS ln_prices,
            if(trades >= 2,
               sqrt(arraySum(arrayMap(d -> d * d, arrayPopFront(arrayDifference(ln_prices))))) * 10000,
               NULL) AS rv_bps
        FROM trade_rows
        GROUP BY venue, symbol, minute
    ),
    baseline AS
    (
        SELECT
            venue, symbol, minute, trades, buy_volume, sell_volume, notional_delta, rv_bps,
            -- The 60 minutes before this one, not this one: a whale does not raise its own bar.
            sum(trades) OVER w AS base_n,
            sum(ln_sum) OVER w AS base_ln_sum,
            sum(ln_sq_sum) OVER w AS base_ln_sq_sum,
            count(rv_bps) OVER w AS base_rv_n,
            avg(rv_bps) OVER w AS base_rv_mean,
            stddevPop(rv_bps) OVER w AS base_rv_sd
        FROM per_minute
        WINDOW w AS (PARTITION BY venue, symbol ORDER BY toUInt32(minute) RANGE BETWEEN 3600 PRECEDING AND 60 PRECEDING)
    ),
    flow AS
    (
        SELECT
            b.venue AS venue, b.symbol AS symbol, b.minute AS minute,
            b.trades AS trades, b.buy_volume AS buy_volume, b.sell_volume AS sell_volume,
            b.notional_delta AS notional_delta, b.rv_bps AS rv_bps,
            if(b.base_rv_n >= 10 AND b.base_rv_sd > 0, (b.rv_bps - b.base_rv_mean) / b.base_rv_sd, NULL) AS rv_z,
            if(b.base_n >= 30,
               exp(b.base_ln_sum / b.base_n
                   + 3 * sqrt(greatest(b.base_ln_sq_sum / b.base_n - pow(b.base_ln_sum / b.base_n, 2), 0))),
               NULL) AS whale_threshold
        FROM baseline AS b
        WHERE (b.venue, b.symbol, b.minute) IN affected
    ),
    whales AS
    (
        SELECT f.venue AS venue, f.symbol AS symbol, f.minute AS minute,
               countIf(t.notional >= f.whale_threshold) AS whale_trades,
               sumIf(t.notional, t.notional >= f.whale_threshold) AS whale_notional
        FROM flow AS f
        INNER JOIN trade_rows AS t ON t.venue = f.venue AND t.symbol = f.symbol AND t.minute = f.minute
        WHERE f.whale_threshold IS NOT NULL
        GROUP BY f.venue, f.symbol, f.minute
    ),
    marks AS
    (
        SELECT
            venue, symbol, toStartOfMinute(occurred_at) AS minute,
            -- Aliases differ from the columns: an alias would shadow its column in avg() below.
            argMax(mark_price, (occurred_at, event_id)) AS last_mark,
            argMax(index_price, (occurred_at, event_id)) AS last_index,
            avg((mark_price / index_price - 1) * 10000) AS basis_bps,
            argMax(funding_rate, (occurred_at, event_id)) AS last_funding,
            argMax(next_funding_at, (occurred_at, event_id)) AS last_next_funding_at
        FROM market_mark FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM affected)
          AND (venue, symbol, toStartOfMinute(occurred_at)) IN affected
        GROUP BY venue, symbol, minute
    ),
    liquidations AS
    (
        SELECT
            venue, symbol, toStartOfMinute(occurred_at) AS minute,
            countIf(side = 'sell') AS long_liquidations,
            sumIf(price * quantity, side = 'sell') AS long_liq_notional,
            countIf(side = 'buy') AS short_liquidations,
            sumIf(price * quantity, side = 'buy') AS short_liq_notional
        FROM market_liquidations FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM affected)
          AND (venue, symbol, toStartOfMinute(occurred_at)) IN affected
        GROUP BY venue, symbol, minute
    ),
    present AS
    (
        SELECT venue, symbol, minute FROM flow
        UNION DISTINCT SELECT venue, symbol, minute FROM marks
        UNION DISTINCT SELECT venue, symbol, minute FROM liquidations
    )
SELECT
    p.venue AS venue, p.symbol AS symbol, p.minute AS minute,
    ifNull(f.trades, 0) AS trades,
    ifNull(f.buy_volume, 0) AS buy_volume,
    ifNull(f.sell_volume, 0) AS sell_volume,
    ifNull(f.buy_volume - f.sell_volume, 0) AS volume_delta,
    ifNull(f.notional_delta, 0) AS notional_delta,
    f.whale_threshold AS whale_threshold,
    ifNull(w.whale_trades, 0) AS whale_trades,
    ifNull(w.whale_notional, 0) AS whale_notional,
    f.rv_bps AS rv_bps,
    f.rv_z AS rv_z,
    m.last_mark AS mark_price, m.last_index AS index_price, m.basis_bps AS basis_bps,
    m.basis_bps / 10000 * 1095 AS basis_annualised,
    m.last_funding AS funding_rate,
    m.last_funding * 1095 AS funding_annualised,
    m.last_next_funding_at AS next_funding_at,
    ifNull(l.long_liquidations, 0) AS long_liquidations,
    ifNull(l.long_liq_notional, 0) AS long_liq_notional,
    ifNull(l.short_liquidations, 0) AS short_liquidations,
    ifNull(l.short_liq_notional, 0) AS short_liq_notional,
    now64(3) AS computed_at
FROM present AS p
LEFT JOIN flow AS f ON f.venue = p.venue AND f.symbol = p.symbol AND f.minute = p.minute
LEFT JOIN whales AS w ON w.venue = p.venue AND w.symbol = p.symbol AND w.minute = p.minute
LEFT JOIN marks AS m ON m.venue = p.venue AND m.symbol = p.symbol AND m.minute = p.minute
LEFT JOIN liquidations AS l ON l.venue = p.venue AND l.symbol = p.symbol AND l.minute = p.minute
SETTINGS join_use_nulls = 1;

-- market_divergence_1m: per symbol listed on two or more venues and minute, how far apart the
-- venues' mean mid prices were (from market_book_l1). Minutes with one venue quoting are absent.
CREATE TABLE IF NOT EXISTS market_divergence_1m
(
    symbol          LowCardinality(String),
    minute          DateTime('UTC'),
    venues          UInt8                    COMMENT 'venues that quoted the symbol this minute',
    high_venue      LowCardinality(String)   COMMENT 'the venue with the highest mean mid',
    high_mid        Float64,
    low_venue       LowCardinality(String),
    low_mid         Float64,
    divergence_bps  Float64                  COMMENT '(high_mid / low_mid - 1) × 10,000',
    computed_at     DateTime64(3, 'UTC')     CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMMDD(minute)
ORDER BY (symbol, minute)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_divergence_1m_refresh
REFRESH EVERY 10 SECOND
APPEND TO market_divergence_1m
AS
WITH
    (SELECT max(computed_at) FROM market_divergence_1m) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT DISTINCT symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_book_l1 WHERE ingested_at >= since
    ),
    mids AS
    (
        SELECT symbol, toStartOfMinute(occurred_at) AS minute, venue,
               avg((bid_price + ask_price) / 2) AS mid
        FROM market_book_l1 FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM touched)
          AND (symbol, toStartOfMinute(occurred_at)) IN touched
        GROUP BY symbol, minute, venue
    )
SELECT
    symbol, minute,
    toUInt8(count()) AS venues,
    -- Ties go to the venue name, so a recomputation names the same venue.
    argMax(venue, (mid, venue)) AS high_venue,
    max(mid) AS high_mid,
    argMin(venue, (mid, venue)) AS low_venue,
    min(mid) AS low_mid,
    (high_mid / low_mid - 1) * 10000 AS divergence_bps,
    now64(3) AS computed_at
FROM mids
GROUP BY symbol, minute
HAVING venues >= 2;
