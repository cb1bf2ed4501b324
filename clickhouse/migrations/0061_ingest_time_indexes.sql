-- The rollups (0062–0065) recompute only the buckets that received rows since their last
-- run, found by `ingested_at >= watermark`. ingested_at is not in any sort key, but rows of
-- one insert share it, so a min/max index per granule lets that search skip every part
-- written before the watermark instead of reading 30 days of the column.
-- New parts get the index at once; parts written before this migration get it when merged.
ALTER TABLE market_trades ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE market_book_l1 ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE engine_orders ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE engine_executions ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE user_logins ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE user_funds ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
ALTER TABLE social_mentions ADD INDEX IF NOT EXISTS ingested_at_idx ingested_at TYPE minmax GRANULARITY 1;
