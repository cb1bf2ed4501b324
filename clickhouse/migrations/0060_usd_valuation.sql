-- USD valuation: one price per asset, so thresholds ("a large withdrawal") are set in USD
-- whatever the asset. Market data is the reference; the fallback covers assets with no
-- recent trade (a quiet market, a venue outage, an asset we do not stream).
-- Interface used by alert rules (0090+): keep asset_prices_usd's name and columns stable.

-- Reference prices kept by hand (or by a job): ReplacingMergeTree keyed by asset, so an
-- update is an INSERT and the newest updated_at wins (the view reads it with argMax, which
-- is right before merges too).
CREATE TABLE IF NOT EXISTS asset_prices_fallback
(
    asset       LowCardinality(String),
    price_usd   Float64,
    updated_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY asset;

-- Seed prices for the assets the producers and the simulator use (late-2024 levels);
-- stablecoins are 1. Inserted only for assets not there yet, so a re-run of this file
-- never overwrites a price someone updated since.
INSERT INTO asset_prices_fallback (asset, price_usd, updated_at)
SELECT asset, price_usd, toDateTime64('2025-01-01 00:00:00', 3, 'UTC')
FROM values('asset String, price_usd Float64',
    ('BTC', 97000), ('ETH', 3400), ('SOL', 180), ('XRP', 2.3), ('DOGE', 0.32),
    ('PEPE', 0.00002), ('BNB', 650), ('USDT', 1), ('USDC', 1), ('DAI', 1), ('FDUSD', 1))
WHERE asset NOT IN (SELECT asset FROM asset_prices_fallback);

-- One row per asset: the most recent <ASSET>USDT trade on any venue within 24 hours
-- (source 'market:<venue>'), else the fallback (source 'fallback'). USDT itself is 1 by
-- definition: a USDT-quoted market cannot price its own quote asset.
-- The 24-hour window prunes to one or two daily partitions of market_trades.
CREATE VIEW IF NOT EXISTS asset_prices_usd AS
WITH
    market AS
    (
        SELECT
            substring(symbol, 1, length(symbol) - 4) AS asset,
            argMax(price, (occurred_at, event_id)) AS price_usd,
            max(occurred_at) AS as_of,
            concat('market:', argMax(venue, (occurred_at, event_id))) AS source
        FROM market_trades
        WHERE occurred_at >= now64(3) - INTERVAL 24 HOUR
          AND endsWith(symbol, 'USDT') AND length(symbol) > 4
        GROUP BY asset
    ),
    fallback AS
    (
        SELECT
            toString(asset) AS asset,
            argMax(price_usd, updated_at) AS price_usd,
            max(updated_at) AS as_of,
            'fallback' AS source
        FROM asset_prices_fallback
        GROUP BY asset
    )
-- Explicit types: this is an interface, and LowCardinality must not leak into it.
SELECT CAST(asset, 'String') AS asset, CAST(price_usd, 'Float64') AS price_usd,
       CAST(as_of, 'DateTime64(3, \'UTC\')') AS as_of, CAST(source, 'String') AS source
FROM market WHERE asset != 'USDT'
UNION ALL
SELECT CAST(asset, 'String'), CAST(price_usd, 'Float64'), CAST(as_of, 'DateTime64(3, \'UTC\')'), CAST(source, 'String')
FROM fallback
WHERE asset NOT IN (SELECT asset FROM market WHERE asset != 'USDT');
