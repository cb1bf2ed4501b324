-- Trade sizes are short decimals (0.5, 1.25, 0.0031) that jump from trade to trade: the
-- XOR of consecutive doubles that Gorilla stores is as long as the value itself, so
-- Gorilla + ZSTD took 1.8× the bytes of plain LZ4 on bench/warehouse.bench.ts's trades.
-- ZSTD alone compresses the repeated byte patterns of such decimals. Prices keep Gorilla:
-- in sort order (one symbol, rising time) consecutive prices are mostly equal or close.
-- New parts use it at once; existing parts when merged.
ALTER TABLE market_trades MODIFY COLUMN quantity Float64 CODEC(ZSTD(1));
