-- rule: ingestion-lag
-- title: Ingestion lag: events reach ClickHouse late
-- severity: warning
-- entity: pipeline
-- episode_gap_s: 300
-- refresh_s: 2
-- resolve_after_s: 120
-- threshold: window_seconds = 60         -- rows ingested this recently
-- threshold: max_lag_seconds = 60        -- p95 of ingested_at − produced_at above this
-- threshold: min_rows = 10
-- description: Events take longer than the threshold from the producer's hand-off to Kafka
--   to a ClickHouse fact (95th percentile over the last minute's rows), per fact table.
-- runbook: Check Kafka engine consumers (system.kafka_consumers), ClickHouse load and merges,
--   and the broker. Lag that grows means ingestion cannot keep up: scale consumers or cores.
WITH l AS
(
    SELECT 'market_trades' AS tbl, produced_at, ingested_at FROM market_trades WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'market_book_l1', produced_at, ingested_at FROM market_book_l1 WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'engine_orders', produced_at, ingested_at FROM engine_orders WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'engine_executions', produced_at, ingested_at FROM engine_executions WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'user_logins', produced_at, ingested_at FROM user_logins WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'user_funds', produced_at, ingested_at FROM user_funds WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
    UNION ALL SELECT 'social_mentions', produced_at, ingested_at FROM social_mentions WHERE ingested_at >= now64(3) - INTERVAL {{window_seconds}} SECOND
)
SELECT
    concat('fact:', tbl) AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    quantile(0.95)(dateDiff('millisecond', produced_at, ingested_at)) / 1000 AS lag_p95_s,
    minIf(ingested_at, dateDiff('second', produced_at, ingested_at) >= {{max_lag_seconds}}) AS first_seen,
    max(ingested_at) AS last_seen,
    -- The lag shows once a late row is in ClickHouse: its arrival, not its (old) produced_at, starts
    -- the event-to-delivery latency.
    first_seen AS trigger_at,
    concat('p95 ingestion lag ', toString(round(lag_p95_s, 1)), ' s over ', toString(count()), ' rows') AS summary,
    concat('{"lag_p95_s":', toString(round(lag_p95_s, 2)), ',"lag_max_s":',
           toString(round(max(dateDiff('millisecond', produced_at, ingested_at)) / 1000, 2)), ',"rows":', toString(count()), '}') AS evidence
FROM l
GROUP BY tbl
HAVING count() >= {{min_rows}} AND lag_p95_s >= {{max_lag_seconds}}
