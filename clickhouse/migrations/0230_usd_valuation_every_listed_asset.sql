-- asset_prices_usd (0060/0066), same name and columns, for every asset the exchange lists.
-- 0066 priced an asset only from an external venue's <ASSET>USDT trades or the fallback
-- table, so a token listed only on our own book had no USD value and a withdrawal of it
-- counted as nothing in the USD thresholds. One price per asset, best source first:
--   1. 'market:<venue>'           latest external <ASSET>USDT trade within 24 h;
--   2. 'exchange:<SYMBOL>'        latest trade on our own book (engine_executions) of <ASSET>USDT;
--   3. 'cross:<SYMBOL>*<source>'  latest own-book trade of <ASSET><QUOTE> (BTC, ETH, USDC, FDUSD, BNB)
--                                 × the quote's own price from 1, 2 or 4;
--   4. 'fallback'                 asset_prices_fallback (hand-kept; stablecoins are 1).
-- USDT is 1 by definition (from the fallback): a USDT-quoted market cannot price its quote.
-- The latest trade is found as in 0066 (newest time per symbol first, then only those rows).
CREATE OR REPLACE VIEW asset_prices_usd AS
WITH
    latest AS
    (
        SELECT venue, symbol, max(occurred_at) AS at
        FROM market_trades
        WHERE occurred_at >= now64(3) - INTERVAL 24 HOUR
          AND endsWith(symbol, 'USDT') AND length(symbol) > 4
        GROUP BY venue, symbol
    ),
    external AS
    (
        SELECT
            substring(symbol, 1, length(symbol) - 4) AS asset,
            argMax(price, (occurred_at, event_id)) AS price_usd,
            max(occurred_at) AS as_of,
            concat('market:', argMax(venue, (occurred_at, event_id))) AS source
        FROM market_trades
        WHERE occurred_at >= now64(3) - INTERVAL 24 HOUR
          AND (venue, symbol, occurred_at) IN (SELECT venue, symbol, at FROM latest)
        GROUP BY asset
    ),
    own_latest AS
    (
        SELECT symbol, max(occurred_at) AS at
        FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL 24 HOUR
        GROUP BY symbol
    ),
    own AS
    (
        SELECT toString(symbol) AS symbol, argMax(price, (occurred_at, event_id)) AS price, max(occurred_at) AS as_of
        FROM engine_executions
        WHERE occurred_at >= now64(3) - INTERVAL 24 HOUR
          AND (symbol, occurred_at) IN (SELECT symbol, at FROM own_latest)
        GROUP BY symbol
    ),
    fallback AS
    (
        SELECT toString(asset) AS asset, argMax(price_usd, updated_at) AS price_usd, max(updated_at) AS as_of
        FROM asset_prices_fallback
        GROUP BY asset
    ),
    direct AS
    (
        SELECT asset, argMin(price_usd, rank) AS price_usd, argMin(as_of, rank) AS as_of,
               argMin(source, rank) AS source, min(rank) AS best_rank
        FROM
        (
            SELECT asset, price_usd, as_of, source, 1 AS rank FROM external WHERE asset != 'USDT'
            UNION ALL
            SELECT substring(symbol, 1, length(symbol) - 4), price, as_of, concat('exchange:', symbol), 2
            FROM own WHERE endsWith(symbol, 'USDT') AND length(symbol) > 4 AND symbol != 'USDTUSDT'
            UNION ALL
            SELECT asset, price_usd, as_of, 'fallback', 4 FROM fallback
        )
        GROUP BY asset
    ),
    crossed AS
    (
        -- <ASSET><QUOTE> on our own book, the quote valued directly.
        SELECT substring(o.symbol, 1, length(o.symbol) - length(o.quote)) AS asset,
               o.price * q.price_usd AS price_usd, o.as_of AS as_of,
               concat('cross:', o.symbol, '*', q.source) AS source, 3 AS rank
        FROM
        (
            SELECT symbol, price, as_of, arrayJoin(['BTC', 'ETH', 'USDC', 'FDUSD', 'BNB']) AS quote
            FROM own
        ) AS o
        INNER JOIN direct AS q ON q.asset = o.quote
        WHERE endsWith(o.symbol, o.quote) AND length(o.symbol) > length(o.quote)
    )
-- Explicit types: this is an interface, and LowCardinality must not leak into it.
SELECT CAST(asset, 'String') AS asset,
       CAST(argMin(price_usd, rank), 'Float64') AS price_usd,
       CAST(argMin(as_of, rank), 'DateTime64(3, \'UTC\')') AS as_of,
       CAST(argMin(source, rank), 'String') AS source
FROM
(
    SELECT asset, price_usd, as_of, source, best_rank AS rank FROM direct
    UNION ALL
    SELECT asset, price_usd, as_of, source, rank FROM crossed WHERE asset NOT IN ('', 'USDT')
)
GROUP BY asset;
