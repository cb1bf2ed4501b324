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
    m AS
    (
        SELECT token, event_id, title, occurred_at, produced_at,
               occurred_at >= now64(3) - INTERVAL {{window_minutes}} MINUTE AS current
        FROM social_mentions
        WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
          AND sentiment > {{positive_above}}
        LIMIT 1 BY event_id
    ),
    buzz AS
    (
        SELECT toString(token) AS token, concat(toString(token), 'USDT') AS symbol,
               countIf(current) AS now_count, countIf(NOT current) AS before_count,
               minIf(occurred_at, current) AS burst_start, maxIf(occurred_at, current) AS burst_end,
               arraySort(groupArrayIf(produced_at, current))[toUInt32(greatest({{min_positive}},
                   floor(before_count * (1 + {{growth_pct}} / 100)) + 1))] AS buzz_trigger_at,
               arrayStringConcat(arraySlice(groupArrayIf(toJSONString(map('event_id', toString(event_id),
                   'title', title, 'at', toString(occurred_at))), current), 1, 10), ',') AS mentions_json
        FROM m
        GROUP BY token
        HAVING now_count >= {{min_positive}} AND now_count > before_count * (1 + {{growth_pct}} / 100)
    ),
    moves AS
    (
        -- From the last trade before the burst began to the highest trade since.
        SELECT b.token AS token,
               argMaxIf(e.price, e.occurred_at, e.occurred_at <= b.burst_start) AS price_before,
               maxIf(e.price, e.occurred_at > b.burst_start) AS price_peak,
               -- The first trade at the peak price (a tie at the top is not left to chance).
               argMaxIf(e.occurred_at, (e.price, -toUnixTimestamp64Milli(e.occurred_at)), e.occurred_at > b.burst_start) AS peak_at,
               argMaxIf(e.produced_at, (e.price, -toUnixTimestamp64Milli(e.occurred_at)), e.occurred_at > b.burst_start)
                   AS peak_produced_at
        FROM buzz AS b
        INNER JOIN engine_executions AS e ON e.symbol = b.symbol
        WHERE e.occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE
        GROUP BY b.token
    ),
    dumps AS
    (
        -- Per account: what it sold as taker since the burst began, and what it bought (any role)
        -- in the accumulate_minutes before its first such sale.
        SELECT token, account_id,
               sumIf(qty, is_buy AND at < first_dump AND at >= first_dump - INTERVAL {{accumulate_minutes}} MINUTE) AS bought_before,
               sumIf(qty, dump) AS dumped, maxIf(at, dump) AS dumped_at, maxIf(produced_at, dump) AS dumped_produced_at
        FROM
        (
            SELECT b.token AS token, e.r.1 AS account_id, e.quantity AS qty, e.occurred_at AS at, e.produced_at AS produced_at,
                   e.r.2 = 'buy' AS is_buy, e.r.2 = 'sell' AND e.r.3 AND at >= b.burst_start AS dump,
                   minIf(at, dump) OVER (PARTITION BY b.token, account_id) AS first_dump
            FROM buzz AS b
            INNER JOIN
            (
                SELECT *, arrayJoin([(taker_account_id, toString(aggressor_side), true),
                                     (maker_account_id, if(aggressor_side = 'buy', 'sell', 'buy'), false)]) AS r
                FROM engine_executions
                WHERE occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} + {{accumulate_minutes}} MINUTE
                LIMIT 1 BY event_id, r
            ) AS e ON e.symbol = b.symbol
        )
        GROUP BY token, account_id
        HAVING bought_before > 0 AND dumped > 0
    ),
    organisers AS
    (
        SELECT d.token AS token, count() AS organisers, max(d.dumped_at) AS dumped_at,
               arraySort(groupArray(d.dumped_produced_at))[toUInt32({{min_organisers}})] AS dump_trigger_at,
               arrayStringConcat(groupArray(10)(toJSONString(map('account', d.account_id,
                   'bought_before', toString(d.bought_before), 'sold_since', toString(d.dumped)))), ',') AS organisers_json
        FROM dumps AS d
        INNER JOIN buzz AS b ON b.token = d.token
        INNER JOIN
        (
            SELECT toString(symbol) AS symbol, quantile(0.5)(quantity) AS median_qty FROM engine_orders
            WHERE event = 'new' AND occurred_at >= now64(3) - INTERVAL 2 * {{window_minutes}} MINUTE GROUP BY symbol
        ) AS m ON m.symbol = b.symbol
        WHERE d.dumped >= {{dump_size_multiple}} * m.median_qty AND d.bought_before >= {{accumulate_size_multiple}} * m.median_qty
        GROUP BY d.token
        HAVING organisers >= {{min_organisers}}
    )
SELECT
    b.token AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    b.burst_start AS first_seen,
    greatest(b.burst_end, v.peak_at, o.dumped_at) AS last_seen,
    greatest(b.buzz_trigger_at, v.peak_produced_at, o.dump_trigger_at) AS trigger_at,
    (v.price_peak / v.price_before - 1) * 10000 AS rise_bps,
    concat(toString(b.now_count), ' positive mentions (', toString(b.before_count), ' before); ', b.symbol, ' up ',
           toString(round(rise_bps)), ' bps to ', toString(v.price_peak), '; ', toString(o.organisers),
           ' account(s) that bought before it selling into it') AS summary,
    concat('{"symbol":"', b.symbol, '","positive_now":', toString(b.now_count), ',"positive_before":',
           toString(b.before_count), ',"price_before":', toString(v.price_before), ',"price_peak":',
           toString(v.price_peak), ',"organisers":[', o.organisers_json, '],"mentions":[', b.mentions_json, ']}') AS evidence
FROM buzz AS b
INNER JOIN moves AS v ON v.token = b.token
INNER JOIN organisers AS o ON o.token = b.token
WHERE v.price_before > 0 AND rise_bps >= {{min_rise_bps}}
