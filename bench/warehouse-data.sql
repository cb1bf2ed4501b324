-- Synthetic facts for bench/warehouse.bench.ts, generated inside ClickHouse with numbers()
-- (sending ten million trades through Kafka would measure Kafka, not the queries).
-- ${TRADES}, ${SPAN_MS} and ${END_MS} are filled by the benchmark; every timestamp ends by
-- END_MS and spreads back over SPAN_MS, so "today" and "last hour" questions find rows.
-- Event ids: time-ordered UUIDv7 hex cut to 26 characters, as random as ULIDs.

-- Trades: 2 venues × 5 symbols, a random walk-ish price per symbol, exponential sizes,
-- 0–80 ms feed latency.
INSERT INTO market_trades (event_id, venue, symbol, trade_id, side, price, quantity, occurred_at,
    received_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    ['binance', 'bybit'][number % 2 + 1] AS venue,
    ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT'][intDiv(number, 2) % 5 + 1] AS symbol,
    toString(1000000000 + number),
    if(rand(1) % 2 = 0, 'buy', 'sell'),
    round([97000, 3400, 180, 2.3, 0.32][intDiv(number, 2) % 5 + 1]
          * (1 + 0.01 * sin(number / 200000) + (rand(2) % 1000) / 2000000), 6),
    round(-log(1 - rand(3) / 4294967296) * 0.5 + 0.0001, 4),
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, ${TRADES})), 'UTC') AS occurred_at,
    occurred_at + toIntervalMillisecond(rand(4) % 80),
    occurred_at + toIntervalMillisecond(80 + rand(5) % 5),
    concat(venue, '-feed'), 1, number % 6, intDiv(number, 6)
FROM numbers(${TRADES});

-- Top of book: a fifth of the trades' count, spreads of 0.5–3 bps, one blow-out in 5,000.
INSERT INTO market_book_l1 (event_id, venue, symbol, bid_price, bid_quantity, ask_price, ask_quantity,
    update_id, occurred_at, received_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    ['binance', 'bybit'][number % 2 + 1] AS venue,
    ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT'][intDiv(number, 2) % 5 + 1] AS symbol,
    mid * (1 - half) AS bid, 0.1 + (rand(1) % 500) / 100,
    mid * (1 + half) AS ask, 0.1 + (rand(2) % 500) / 100,
    number,
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 5))), 'UTC') AS occurred_at,
    occurred_at + toIntervalMillisecond(rand(3) % 60),
    occurred_at + toIntervalMillisecond(60),
    concat(venue, '-feed'), 1, number % 6, intDiv(number, 6)
FROM
(
    SELECT number,
           [97000, 3400, 180, 2.3, 0.32][intDiv(number, 2) % 5 + 1] * (1 + 0.01 * sin(number / 40000)) AS mid,
           if(rand(9) % 5000 = 0, 0.003, (0.5 + (rand(8) % 250) / 100) / 20000) AS half
    FROM numbers(intDiv(${TRADES}, 5))
);

-- Engine orders: 20,000 accounts, 70 % resting limit orders, 40 % of events cancels.
INSERT INTO engine_orders (event_id, event, account_id, order_id, symbol, side, order_type, time_in_force,
    price, quantity, filled_quantity, occurred_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    if(rand(1) % 10 < 4, 'cancel', 'new'),
    concat('acc-', toString(rand(2) % 20000)),
    toString(number),
    ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT'][number % 5 + 1],
    if(rand(3) % 2 = 0, 'buy', 'sell'),
    if(rand(4) % 10 < 7, 'limit', 'market') AS order_type,
    if(order_type = 'limit', 'gtc', 'ioc'),
    if(order_type = 'limit', 100, NULL), 1, 0,
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 10))), 'UTC') AS occurred_at,
    occurred_at, 'engine-bench', 1, number % 6, intDiv(number, 6)
FROM numbers(intDiv(${TRADES}, 10));

-- Executions: one in 200 a self-trade.
INSERT INTO engine_executions (event_id, symbol, trade_id, price, quantity, aggressor_side, maker_account_id,
    maker_order_id, taker_account_id, taker_order_id, occurred_at, produced_at, source, schema_version,
    kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT'][number % 5 + 1],
    toString(number),
    [97000, 3400, 180, 2.3, 0.32][number % 5 + 1] * (1 + (rand(1) % 1000) / 100000),
    0.01 + (rand(2) % 1000) / 100,
    if(rand(3) % 2 = 0, 'buy', 'sell'),
    concat('acc-', toString(rand(4) % 20000)) AS maker,
    concat('m', toString(number)),
    if(rand(5) % 200 = 0, maker, concat('acc-', toString(rand(6) % 20000))),
    concat('t', toString(number)),
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 10))), 'UTC') AS occurred_at,
    occurred_at, 'engine-bench', 1, number % 6, intDiv(number, 6)
FROM numbers(intDiv(${TRADES}, 10));

-- Logins: each account mostly from its own IP, 2 % from a shared pool, 10 % failures.
INSERT INTO user_logins (event_id, account_id, outcome, ip, user_agent, device_id, geo_country, geo_city,
    occurred_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    concat('acc-', toString(account)),
    if(rand(2) % 10 = 0, 'bad_password', 'success'),
    toIPv6(IPv4NumToString(toUInt32(if(rand(3) % 50 = 0, 3232235520 + rand(4) % 500, 167772160 + account)))),
    'Mozilla/5.0', concat('dev-', toString(account % 3000)), ['DE', 'FR', 'GB', 'SG'][account % 4 + 1], '',
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 20))), 'UTC') AS occurred_at,
    occurred_at, 'collector', 1, number % 6, intDiv(number, 6)
FROM (SELECT number, rand(1) % 20000 AS account FROM numbers(intDiv(${TRADES}, 20)));

-- Deposits (completed) and withdrawals (requested) in five assets, one unpriced.
INSERT INTO user_funds (event_id, account_id, direction, transfer_id, status, asset, network, amount, address,
    address_tag, tx_hash, occurred_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    concat('acc-', toString(rand(1) % 20000)),
    if(number % 2 = 0, 'deposit', 'withdrawal') AS direction,
    toString(number),
    if(direction = 'deposit', 'completed', 'requested'),
    ['BTC', 'ETH', 'USDT', 'SOL', 'XYZ'][rand(2) % 5 + 1] AS asset, '',
    if(asset = 'USDT', 10 + rand(3) % 50000, (rand(3) % 10000) / 1000),
    concat('addr-', toString(rand(4) % 50000)), '', '',
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 50))), 'UTC') AS occurred_at,
    occurred_at, 'collector', 1, number % 6, intDiv(number, 6)
FROM numbers(intDiv(${TRADES}, 50));

-- Mentions of six tokens, sentiment in [-1, 1].
INSERT INTO social_mentions (event_id, token, source_kind, source_name, url, title, excerpt, matched_term,
    mention_count, sentiment, scorer, model, content_hash, occurred_at, published_at, produced_at, source,
    schema_version, kafka_partition, kafka_offset)
SELECT
    toFixedString(substring(replaceAll(toString(generateUUIDv7(number)), '-', ''), 1, 26), 26),
    ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'PEPE'][rand(1) % 6 + 1] AS token,
    'json', 'bench-feed', '', concat('headline ', toString(number)), '', token, 1,
    (toInt32(rand(2) % 2001) - 1000) / 1000, 'lexicon', 'sentiment@5.0.2+crypto',
    toFixedString(lower(hex(SHA256(toString(number)))), 64),
    fromUnixTimestamp64Milli(toInt64(${END_MS} - ${SPAN_MS} + intDiv(number * ${SPAN_MS}, intDiv(${TRADES}, 100))), 'UTC') AS occurred_at,
    occurred_at, occurred_at, 'sentiment', 1, number % 3, intDiv(number, 3)
FROM numbers(intDiv(${TRADES}, 100));
