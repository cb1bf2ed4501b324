-- token_risk_5m: per token and 5-minute bucket, what people say about it and how it trades
-- on our exchange, with a risk score. Read by the token dashboard and the token rules.
-- Five minutes: mentions are sparse (a minute is mostly 0 or 1), yet a pump or a buzz
-- spike still shows within one bucket.
-- Same design as market_1m (0062): a refreshable view recomputes every (token, bucket) that
-- received a mention or an execution since its last run, from FINAL facts; the newest
-- computation wins (ReplacingMergeTree). Readers: `FROM token_risk_5m FINAL`.
--
-- Definitions:
--   token            social_mentions.token; for trading, engine_executions.symbol minus 'USDT'
--   negative_share   share of mentions with sentiment < -0.2 (clearly negative)
--   mentions_prev_1h mentions in the hour before the bucket, the buzz baseline
--   price_move_bps   (last - first) / first execution price in the bucket × 10,000
--   volatility_bps   population standard deviation of execution prices / their mean × 10,000
--   wash_share       self-trade notional / all notional (maker = taker; collusive pairs are
--                    for the rules, which know shared IPs)
-- A late mention changes the baseline of the following buckets, which are recomputed only
-- when they receive rows of their own.
CREATE TABLE IF NOT EXISTS token_risk_5m
(
    token            LowCardinality(String),
    bucket           DateTime('UTC')                COMMENT 'start of the 5 minutes',
    mentions         UInt32,
    stories          UInt32                         COMMENT 'distinct content_hash: one story naming two tokens counts for both',
    sentiment_mean   Nullable(Float64)              COMMENT 'NULL without mentions',
    negative_share   Nullable(Float64),
    mentions_prev_1h UInt32,
    executions       UInt32,
    notional_usd     Float64                        COMMENT 'price × quantity of USDT-quoted executions',
    first_price      Nullable(Float64),
    last_price       Nullable(Float64),
    price_move_bps   Nullable(Float64),
    volatility_bps   Nullable(Float64),
    wash_share       Nullable(Float64),
    -- Components, each in [0, 1]; weights in the SELECT below.
    c_buzz           Float64                        COMMENT 'mentions vs the hourly baseline per 5 min: 5× = 1 (weight 0.25)',
    c_negative       Float64                        COMMENT 'negative share, damped under 10 mentions (weight 0.20)',
    c_price_move     Float64                        COMMENT '|move| 300 bps = 1 (weight 0.20)',
    c_volatility     Float64                        COMMENT '100 bps = 1 (weight 0.10)',
    c_wash           Float64                        COMMENT 'wash share (weight 0.25)',
    risk_score       Float64                        COMMENT '0–100',
    computed_at      DateTime64(3, 'UTC')           CODEC(Delta, ZSTD(1))
)
-- The newest computation of a (token, bucket) wins.
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMMDD(bucket)
-- Token pages read one token over time.
ORDER BY (token, bucket)
TTL bucket + INTERVAL ${FACT_TTL_DAYS} DAY
SETTINGS ttl_only_drop_parts = 1;

-- Every 5 s, watermark as in 0062.
CREATE MATERIALIZED VIEW IF NOT EXISTS token_risk_5m_refresh
REFRESH EVERY 5 SECOND
APPEND TO token_risk_5m
AS
WITH
    (SELECT max(computed_at) FROM token_risk_5m) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT toString(token) AS token, toStartOfFiveMinutes(occurred_at) AS bucket
        FROM social_mentions WHERE ingested_at >= since
        UNION DISTINCT
        SELECT substring(symbol, 1, length(symbol) - 4) AS token, toStartOfFiveMinutes(occurred_at) AS bucket
        FROM engine_executions WHERE ingested_at >= since AND endsWith(symbol, 'USDT') AND length(symbol) > 4
    ),
    buzz AS
    (
        SELECT
            toString(token) AS token, toStartOfFiveMinutes(occurred_at) AS bucket,
            count() AS mentions,
            uniqExact(content_hash) AS stories,
            avg(sentiment) AS sentiment_mean,
            countIf(sentiment < -0.2) / count() AS negative_share
        FROM social_mentions FINAL
        WHERE occurred_at >= (SELECT min(bucket) FROM touched)
          AND (toString(token), toStartOfFiveMinutes(occurred_at)) IN touched
        GROUP BY token, bucket
    ),
    baseline AS
    (
        SELECT t.token AS token, t.bucket AS bucket, count() AS mentions_prev_1h
        FROM touched AS t
        INNER JOIN
        (
            SELECT toString(token) AS token, occurred_at
            FROM social_mentions FINAL
            WHERE occurred_at >= (SELECT min(bucket) FROM touched) - INTERVAL 1 HOUR
              AND toString(token) IN (SELECT token FROM touched)
        ) AS m ON m.token = t.token
        WHERE m.occurred_at >= t.bucket - INTERVAL 1 HOUR AND m.occurred_at < t.bucket
        GROUP BY token, bucket
    ),
    trading AS
    (
        SELECT
            substring(symbol, 1, length(symbol) - 4) AS token, toStartOfFiveMinutes(occurred_at) AS bucket,
            count() AS executions,
            sum(price * quantity) AS notional_usd,
            argMin(price, (occurred_at, event_id)) AS first_price,
            argMax(price, (occurred_at, event_id)) AS last_price,
            (last_price - first_price) / first_price * 10000 AS price_move_bps,
            stddevPop(price) / avg(price) * 10000 AS volatility_bps,
            sumIf(price * quantity, maker_account_id = taker_account_id) / sum(price * quantity) AS wash_share
        FROM engine_executions FINAL
        WHERE occurred_at >= (SELECT min(bucket) FROM touched) AND endsWith(symbol, 'USDT') AND length(symbol) > 4
          AND (substring(symbol, 1, length(symbol) - 4), toStartOfFiveMinutes(occurred_at)) IN touched
        GROUP BY token, bucket
    ),
    profile AS
    (
        SELECT
            t.token AS token, t.bucket AS bucket,
            ifNull(z.mentions, 0) AS mentions, ifNull(z.stories, 0) AS stories,
            z.sentiment_mean AS sentiment_mean, z.negative_share AS negative_share,
            ifNull(b.mentions_prev_1h, 0) AS mentions_prev_1h,
            ifNull(x.executions, 0) AS executions, ifNull(x.notional_usd, 0) AS notional_usd,
            x.first_price AS first_price, x.last_price AS last_price,
            x.price_move_bps AS price_move_bps, x.volatility_bps AS volatility_bps, x.wash_share AS wash_share
        FROM touched AS t
        LEFT JOIN buzz AS z ON z.token = t.token AND z.bucket = t.bucket
        LEFT JOIN baseline AS b ON b.token = t.token AND b.bucket = t.bucket
        LEFT JOIN trading AS x ON x.token = t.token AND x.bucket = t.bucket
    )
SELECT
    *,
    -- The baseline per 5 minutes is the previous hour's mentions / 12, at least 1 mention.
    least(greatest(mentions / greatest(mentions_prev_1h / 12, 1) - 1, 0) / 4, 1) AS c_buzz,
    ifNull(negative_share, 0) * least(mentions / 10, 1) AS c_negative,
    least(abs(ifNull(price_move_bps, 0)) / 300, 1) AS c_price_move,
    least(ifNull(volatility_bps, 0) / 100, 1) AS c_volatility,
    ifNull(wash_share, 0) AS c_wash,
    100 * (0.25 * c_buzz + 0.20 * c_negative + 0.20 * c_price_move + 0.10 * c_volatility + 0.25 * c_wash) AS risk_score,
    now64(3) AS computed_at
FROM profile
SETTINGS join_use_nulls = 1;
