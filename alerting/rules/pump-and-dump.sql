-- rule: pump-and-dump
-- title: Pump and dump: positive mentions push the price up while pre-positioned accounts sell into it
-- severity: high
-- entity: token
-- episode_gap_s: 3600
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: window_minutes = 30         -- compare this many minutes with the same length before
-- threshold: growth_pct = 200            -- positive mentions more than this much up
-- threshold: min_positive = 20           -- at least this many positive mentions in the window
-- threshold: positive_above = 0          -- a mention is positive when its sentiment is above this
-- threshold: min_rise_bps = 50           -- the <TOKEN>USDT price rose this much after the burst began
-- threshold: accumulate_minutes = 30     -- an organiser bought the token in this long before its first sale into the burst
-- threshold: accumulate_size_multiple = 2 -- and bought at least this many times the symbol's median order there
-- threshold: dump_size_multiple = 10     -- and sold at least this many times the symbol's median order since, as taker
-- threshold: min_organisers = 1          -- accounts doing both
-- description: Positive mentions of a token surge while its price on our book rises from where
--   it stood when the burst began, and an account that bought before the burst sells large
--   into it (taking the bids): the dump. An organic rally on good news has the mentions and the
--   rise, bought by many, but nobody pre-positioned unloading into it: no alert.
-- runbook: Start from the organisers in the evidence (bought before the burst, selling into
--   it); look for links between them and the mention sources, and for other accounts that
--   bought in the days before. Consider pausing
--   promotions for the token and alerting market surveillance.
WITH
    buzz AS
    (
        SELECT toString(token) AS token, concat(toString(token), 'USDT') AS symbol,
               countIf(current) AS now_count, countIf(NOT current) AS before_count,
               minIf(occurred_at, current) AS burst_start, maxIf(occurred_at, current) AS burst_end,
               arraySort(groupArrayIf(produced_at, current))[toUInt32(greatest({{min_positive}},
                   floor(before_count * (1 + {{growth_pct}} / 100)) + 1))] AS buzz_trigger_at,
               arrayStringConcat(arraySlice(groupArrayIf(toJSONString(map('event_id', toString(event_id),
                   'title', title, 'at', toString(occurred_at))), current), 1, 10), ',') AS mentions_json
        FROM
        (
            SELECT token, event_id, title, occurred_at, produced_at,
                   occurred_at >= now64(3) - INTERVAL {{window_minutes}} MINUTE AS current
            FROM social_mentions
            WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
              AND sentiment > {{positive_above}}
            LIMIT 1 BY event_id
        )
        GROUP BY token
        HAVING now_count >= {{min_positive}} AND now_count > before_count * (1 + {{growth_pct}} / 100)
    ),
    legs AS
    (
        -- The token's trades, each once per side, with its burst: read and joined once, the price
        -- move and each account's first dump as window functions (ClickHouse analyses a subquery
        -- again at every reference, and that analysis, not the data, was this rule's cost).
        SELECT b.*, e.r.1 AS account_id, e.quantity AS qty, e.occurred_at AS at, e.produced_at AS produced_at,
               e.r.2 = 'buy' AS is_buy, e.r.2 = 'sell' AND e.r.3 AND at >= b.burst_start AS dump,
               minIf(at, dump) OVER (PARTITION BY b.token, account_id) AS first_dump,
               -- The move: from the last trade before the burst began to the highest trade since.
               at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE AS in_move,
               argMaxIf(e.price, at, in_move AND at <= b.burst_start) OVER burst AS price_before,
               maxIf(e.price, in_move AND at > b.burst_start) OVER burst AS price_peak,
               -- The first trade at the peak (a tie at the highest price goes to the earliest).
               argMaxIf((at, produced_at), (e.price, -toUnixTimestamp64Milli(at)), in_move AND at > b.burst_start)
                   OVER burst AS peak
        FROM buzz AS b
        INNER JOIN
        (
            SELECT *, arrayJoin([(taker_account_id, toString(aggressor_side), true),
                                 (maker_account_id, if(aggressor_side = 'buy', 'sell', 'buy'), false)]) AS r
            FROM engine_executions
            WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} + {{accumulate_minutes}} MINUTE
            LIMIT 1 BY event_id, r
        ) AS e ON e.symbol = b.symbol
        WINDOW burst AS (PARTITION BY b.token)
    ),
    dumps AS
    (
        -- Per account: what it sold as taker since the burst began, and what it bought (any role)
        -- in the accumulate_minutes before its first such sale.
        SELECT token, account_id, any(symbol) AS symbol,
               sumIf(qty, is_buy AND at < first_dump AND at >= first_dump - INTERVAL {{accumulate_minutes}} MINUTE) AS bought_before,
               sumIf(qty, dump) AS dumped, maxIf(at, dump) AS dumped_at, maxIf(produced_at, dump) AS dumped_produced_at,
               any((now_count, before_count, burst_start, burst_end, buzz_trigger_at, mentions_json)) AS burst,
               any((price_before, price_peak, peak.1, peak.2)) AS move
        FROM legs
        GROUP BY token, account_id
        HAVING bought_before > 0 AND dumped > 0
    ),
    organisers AS
    (
        SELECT d.token AS token, any(d.symbol) AS symbol, any(d.burst) AS burst, any(d.move) AS move,
               count() AS organisers, max(d.dumped_at) AS dumped_at,
               arraySort(groupArray(d.dumped_produced_at))[toUInt32({{min_organisers}})] AS dump_trigger_at,
               arrayStringConcat(groupArray(10)(toJSONString(map('account', d.account_id,
                   'bought_before', toString(d.bought_before), 'sold_since', toString(d.dumped)))), ',') AS organisers_json
        FROM dumps AS d
        INNER JOIN
        (
            SELECT toString(symbol) AS symbol, quantile(0.5)(quantity) AS median_qty FROM engine_orders
            WHERE event = 'new' AND occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE GROUP BY symbol
        ) AS m ON m.symbol = d.symbol
        WHERE d.dumped >= {{dump_size_multiple}} * m.median_qty AND d.bought_before >= {{accumulate_size_multiple}} * m.median_qty
        GROUP BY d.token
        HAVING organisers >= {{min_organisers}}
    )
SELECT
    token AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    burst.3 AS first_seen,
    greatest(burst.4, move.3, dumped_at) AS last_seen,
    greatest(burst.5, move.4, dump_trigger_at) AS trigger_at,
    (move.2 / move.1 - 1) * 10000 AS rise_bps,
    concat(toString(burst.1), ' positive mentions (', toString(burst.2), ' before); ', symbol, ' up ',
           toString(round(rise_bps)), ' bps to ', toString(move.2), '; ', toString(organisers),
           ' account(s) that bought before it selling into it') AS summary,
    concat('{"symbol":"', symbol, '","positive_now":', toString(burst.1), ',"positive_before":',
           toString(burst.2), ',"price_before":', toString(move.1), ',"price_peak":',
           toString(move.2), ',"organisers":[', organisers_json, '],"mentions":[', burst.6, ']}') AS evidence
FROM organisers
WHERE move.1 > 0 AND rise_bps >= {{min_rise_bps}}
