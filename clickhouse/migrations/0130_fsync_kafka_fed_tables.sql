-- Parts written from Kafka are fsynced before the insert returns, so before the Kafka engine
-- commits the offsets of the block (it commits after the insert through every view).
-- Without it a part sits in the page cache for up to ~30 s after its offsets are committed:
-- a process crash loses nothing (the kernel still writes it), but an OS crash or power loss
-- would lose events Kafka will never redeliver. Rollups are recomputed from these facts, so
-- they are left as they are. Cost and reasoning: docs/reliability.md, bench/durability.bench.ts.
-- fsync_part_directory: without it a part's files can survive a power loss and its rename not.
ALTER TABLE market_trades MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE market_book_l1 MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE market_depth MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE market_mark MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE market_liquidations MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE market_integrity MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE engine_orders MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE engine_executions MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE user_logins MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE user_funds MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE user_api_keys MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE user_browser_actions MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE social_mentions MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
ALTER TABLE sim_labels MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
-- Refused messages are committed past too; they are the only copy a person can inspect.
ALTER TABLE dead_letters MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
