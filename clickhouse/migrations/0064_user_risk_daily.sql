-- user_risk_daily: one risk profile per account and UTC day, read by the risk dashboard and
-- the account rules instead of five fact tables.
-- Same design as market_1m (0062): a refreshable view recomputes every (account, day) that
-- received a login, transfer, order or execution since its last run, from FINAL facts, so a
-- redelivered event counts once; the newest computation wins (ReplacingMergeTree).
-- Readers: `FROM user_risk_daily FINAL`.
--
-- Definitions (docs/warehouse.md has the reasoning):
--   new_ips          successful-login IPs first seen that day, for an account that had logged in
--                    successfully on an earlier day (within the facts' retention)
--   deposits         deposits that reached `completed` that day; withdrawals: withdrawals
--                    `requested` that day (risk acts before the money leaves)
--   *_usd            amount × asset_prices_usd at computation time; unpriced_transfers counts
--                    transfers in an asset with no price (valued at 0)
--   cancel_ratio     cancels / new over resting orders (limit gtc/gtd/post_only): the unfilled
--                    rest of an ioc or market order is cancelled by the engine, not the user
--   self_trades      executions where the account was maker and taker
--   risk_score       100 × weighted sum of the components below, each in [0, 1]
CREATE TABLE IF NOT EXISTS user_risk_daily
(
    account_id                  String                  CODEC(ZSTD(1)),
    day                         Date,
    logins                      UInt32                  COMMENT 'attempts, successful or not',
    failed_logins               UInt32,
    distinct_ips                UInt32,
    distinct_devices            UInt32                  COMMENT 'known device ids',
    distinct_countries          UInt32,
    new_ips                     UInt32,
    deposits                    UInt32,
    deposits_usd                Float64,
    withdrawals                 UInt32,
    withdrawals_usd             Float64,
    withdrawal_to_deposit_ratio Nullable(Float64)       COMMENT 'NULL without deposits',
    unpriced_transfers          UInt32,
    orders_new                  UInt32                  COMMENT 'resting orders placed',
    orders_cancelled            UInt32                  COMMENT 'resting orders cancelled',
    cancel_ratio                Nullable(Float64)       COMMENT 'NULL without resting orders',
    executions                  UInt32                  COMMENT 'as maker or taker',
    self_trades                 UInt32,
    -- Components, each in [0, 1]; weights in the SELECT below.
    c_new_ip                    Float64                 COMMENT '1 when any new IP (weight 0.20)',
    c_failed_logins             Float64                 COMMENT '10 failures = 1 (weight 0.10)',
    c_withdrawal_ratio          Float64                 COMMENT 'withdrawals / max(deposits, $1k) / 10 (weight 0.20)',
    c_large_withdrawal          Float64                 COMMENT '$100k withdrawn = 1 (weight 0.20)',
    c_self_trade                Float64                 COMMENT '5 self-trades = 1 (weight 0.20)',
    c_cancel_ratio              Float64                 COMMENT 'cancel ratio 0.9 → 0, 1.0 → 1, from 20 orders (weight 0.10)',
    risk_score                  Float64                 COMMENT '0–100',
    computed_at                 DateTime64(3, 'UTC')    CODEC(Delta, ZSTD(1))
)
-- The newest computation of an (account, day) wins.
ENGINE = ReplacingMergeTree(computed_at)
-- Monthly partitions: one row per active account and day is small; TTL still drops by day
-- inside a part through the TTL expression below.
PARTITION BY toYYYYMM(day)
-- The account drill-down reads one account over days; "top accounts today" reads one day
-- across accounts, which the day's partition and a small table make cheap.
ORDER BY (account_id, day)
TTL day + INTERVAL ${FACT_TTL_DAYS} DAY;

-- Every 5 s, watermark as in 0062.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_risk_daily_refresh
REFRESH EVERY 5 SECOND
APPEND TO user_risk_daily
AS
WITH
    (SELECT max(computed_at) FROM user_risk_daily) - INTERVAL 30 SECOND AS since,
    touched AS
    (
        SELECT account_id, toDate(occurred_at) AS day FROM user_logins WHERE ingested_at >= since
        UNION DISTINCT
        SELECT account_id, toDate(occurred_at) AS day FROM user_funds WHERE ingested_at >= since
        UNION DISTINCT
        SELECT account_id, toDate(occurred_at) AS day FROM engine_orders WHERE ingested_at >= since
        UNION DISTINCT
        SELECT arrayJoin([maker_account_id, taker_account_id]) AS account_id, toDate(occurred_at) AS day
        FROM engine_executions WHERE ingested_at >= since
    ),
    logins AS
    (
        SELECT
            account_id, toDate(occurred_at) AS day,
            count() AS logins,
            countIf(outcome != 'success') AS failed_logins,
            uniqExact(ip) AS distinct_ips,
            uniqExactIf(device_id, device_id != '') AS distinct_devices,
            uniqExactIf(geo_country, geo_country != '') AS distinct_countries
        FROM user_logins FINAL
        WHERE occurred_at >= (SELECT min(day) FROM touched) AND (account_id, toDate(occurred_at)) IN touched
        GROUP BY account_id, day
    ),
    new_ips AS
    (
        -- First successful login per (account, IP) over the retained facts (min() needs no FINAL).
        SELECT account_id, toDate(first_seen) AS day, countIf(toDate(first_seen) > first_day) AS new_ips
        FROM
        (
            SELECT account_id, ip, min(occurred_at) AS first_seen,
                   min(min(occurred_at)) OVER (PARTITION BY account_id) AS first_any,
                   toDate(first_any) AS first_day
            FROM user_logins
            WHERE outcome = 'success' AND account_id IN (SELECT account_id FROM touched)
            GROUP BY account_id, ip
        )
        GROUP BY account_id, day
    ),
    funds AS
    (
        SELECT
            f.account_id AS account_id, f.day AS day,
            countIf(f.direction = 'deposit' AND f.status = 'completed') AS deposits,
            sumIf(f.amount * p.price_usd, f.direction = 'deposit' AND f.status = 'completed') AS deposits_usd,
            countIf(f.direction = 'withdrawal' AND f.status = 'requested') AS withdrawals,
            sumIf(f.amount * p.price_usd, f.direction = 'withdrawal' AND f.status = 'requested') AS withdrawals_usd,
            countIf(p.price_usd IS NULL AND ((f.direction = 'deposit' AND f.status = 'completed')
                    OR (f.direction = 'withdrawal' AND f.status = 'requested'))) AS unpriced_transfers
        FROM
        (
            SELECT account_id, toDate(occurred_at) AS day, direction, status, asset, amount
            FROM user_funds FINAL
            WHERE occurred_at >= (SELECT min(day) FROM touched) AND (account_id, toDate(occurred_at)) IN touched
        ) AS f
        LEFT JOIN asset_prices_usd AS p ON p.asset = toString(f.asset)
        GROUP BY account_id, day
    ),
    orders AS
    (
        SELECT
            account_id, toDate(occurred_at) AS day,
            countIf(event = 'new') AS orders_new,
            countIf(event = 'cancel') AS orders_cancelled
        FROM engine_orders FINAL
        WHERE occurred_at >= (SELECT min(day) FROM touched) AND (account_id, toDate(occurred_at)) IN touched
          AND order_type IN ('limit', 'stop_limit') AND time_in_force IN ('gtc', 'gtd', 'post_only')
        GROUP BY account_id, day
    ),
    executions AS
    (
        SELECT account_id, day, count() AS executions, countIf(self) AS self_trades
        FROM
        (
            -- A self-trade is one execution for its account, not two.
            SELECT arrayJoin(arrayDistinct([maker_account_id, taker_account_id])) AS account_id,
                   toDate(occurred_at) AS day, maker_account_id = taker_account_id AS self
            FROM engine_executions FINAL
            WHERE occurred_at >= (SELECT min(day) FROM touched)
              AND (maker_account_id IN (SELECT account_id FROM touched) OR taker_account_id IN (SELECT account_id FROM touched))
        )
        WHERE (account_id, day) IN touched
        GROUP BY account_id, day
    ),
    profile AS
    (
        SELECT
            t.account_id AS account_id, t.day AS day,
            ifNull(l.logins, 0) AS logins, ifNull(l.failed_logins, 0) AS failed_logins,
            ifNull(l.distinct_ips, 0) AS distinct_ips, ifNull(l.distinct_devices, 0) AS distinct_devices,
            ifNull(l.distinct_countries, 0) AS distinct_countries, ifNull(n.new_ips, 0) AS new_ips,
            ifNull(f.deposits, 0) AS deposits, ifNull(f.deposits_usd, 0) AS deposits_usd,
            ifNull(f.withdrawals, 0) AS withdrawals, ifNull(f.withdrawals_usd, 0) AS withdrawals_usd,
            if(ifNull(f.deposits_usd, 0) > 0, ifNull(f.withdrawals_usd, 0) / f.deposits_usd, NULL) AS withdrawal_to_deposit_ratio,
            ifNull(f.unpriced_transfers, 0) AS unpriced_transfers,
            ifNull(o.orders_new, 0) AS orders_new, ifNull(o.orders_cancelled, 0) AS orders_cancelled,
            if(ifNull(o.orders_new, 0) > 0, o.orders_cancelled / o.orders_new, NULL) AS cancel_ratio,
            ifNull(e.executions, 0) AS executions, ifNull(e.self_trades, 0) AS self_trades
        FROM touched AS t
        LEFT JOIN logins AS l ON l.account_id = t.account_id AND l.day = t.day
        LEFT JOIN new_ips AS n ON n.account_id = t.account_id AND n.day = t.day
        LEFT JOIN funds AS f ON f.account_id = t.account_id AND f.day = t.day
        LEFT JOIN orders AS o ON o.account_id = t.account_id AND o.day = t.day
        LEFT JOIN executions AS e ON e.account_id = t.account_id AND e.day = t.day
    )
SELECT
    *,
    least(new_ips, 1) AS c_new_ip,
    least(failed_logins / 10, 1) AS c_failed_logins,
    least(withdrawals_usd / greatest(deposits_usd, 1000) / 10, 1) AS c_withdrawal_ratio,
    least(withdrawals_usd / 100000, 1) AS c_large_withdrawal,
    least(self_trades / 5, 1) AS c_self_trade,
    if(orders_new >= 20, least(greatest(ifNull(cancel_ratio, 0) - 0.9, 0) / 0.1, 1), 0) AS c_cancel_ratio,
    100 * (0.20 * c_new_ip + 0.10 * c_failed_logins + 0.20 * c_withdrawal_ratio
         + 0.20 * c_large_withdrawal + 0.20 * c_self_trade + 0.10 * c_cancel_ratio) AS risk_score,
    now64(3) AS computed_at
FROM profile
SETTINGS join_use_nulls = 1;
