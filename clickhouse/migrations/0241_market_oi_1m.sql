-- market_oi_1m: open interest per venue, symbol and minute (from market_open_interest, polled
-- from each venue's REST endpoint or streamed): the minute's last figure and its change
-- against the last figure before the minute (within the hour before; NULL without one).
-- Same design as market_1m / market_derivs_1m: a refreshable view recomputes the minutes whose
-- inputs changed, from FINAL facts (a redelivered figure counts once), and appends; the table
-- keeps the newest computation. A changed minute also recomputes the hour after it, whose
-- change it may be the base of.
-- Readers: `FROM market_oi_1m FINAL`.
CREATE TABLE IF NOT EXISTS market_oi_1m
(
    venue                    LowCardinality(String),
    symbol                   LowCardinality(String),
    minute                   DateTime('UTC'),
    updates                  UInt32                   COMMENT 'distinct figures (event_id) this minute',
    open_interest            Float64                  COMMENT 'last figure of the minute, base asset',
    open_interest_value      Nullable(Float64)        COMMENT 'its quote-asset value when the venue gives one',
    previous_open_interest   Nullable(Float64)        COMMENT 'the last figure before this minute (hour before)',
    oi_change                Nullable(Float64)        COMMENT 'open_interest - previous_open_interest, base asset',
    oi_change_pct            Nullable(Float64)        COMMENT 'the same in % of previous_open_interest',
    computed_at              DateTime64(3, 'UTC')     CODEC(Delta, ZSTD(1))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMMDD(minute)
ORDER BY (venue, symbol, minute)
TTL minute + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS market_oi_1m_refresh
REFRESH EVERY 10 SECOND
APPEND TO market_oi_1m
AS
WITH
    (SELECT max(computed_at) FROM market_oi_1m) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT DISTINCT venue, symbol, toStartOfMinute(occurred_at) AS minute
        FROM market_open_interest WHERE ingested_at >= since
    ),
    affected AS
    (
        SELECT DISTINCT venue, symbol, minute + toIntervalMinute(k) AS minute
        FROM touched ARRAY JOIN range(61) AS k
        WHERE minute + toIntervalMinute(k) <= now()
    ),
    per_minute AS
    (
        SELECT venue, symbol, toStartOfMinute(occurred_at) AS minute,
               count() AS updates,
               argMax(open_interest, (occurred_at, event_id)) AS last_oi,
               argMax(open_interest_value, (occurred_at, event_id)) AS last_value
        FROM market_open_interest FINAL
        WHERE occurred_at >= (SELECT min(minute) FROM affected) - INTERVAL 60 MINUTE
          AND (venue, symbol) IN (SELECT venue, symbol FROM affected)
        GROUP BY venue, symbol, minute
    ),
    chained AS
    (
        SELECT venue, symbol, minute, updates, last_oi, last_value,
               -- The previous minute that had a figure, if it is within the hour before.
               lagInFrame(last_oi) OVER w AS lag_oi,
               lagInFrame(minute) OVER w AS lag_minute,
               row_number() OVER w AS n
        FROM per_minute
        WINDOW w AS (PARTITION BY venue, symbol ORDER BY minute ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
SELECT
    venue, symbol, minute, updates,
    last_oi AS open_interest,
    last_value AS open_interest_value,
    if(n > 1 AND lag_minute >= minute - INTERVAL 60 MINUTE, lag_oi, NULL) AS previous_open_interest,
    last_oi - previous_open_interest AS oi_change,
    if(previous_open_interest > 0, oi_change / previous_open_interest * 100, NULL) AS oi_change_pct,
    now64(3) AS computed_at
FROM chained
WHERE (venue, symbol, minute) IN affected;
