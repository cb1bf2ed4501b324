-- rule: front-running
-- title: Front-running: a linked account trades ahead of a large order and reverses after it
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: size_multiple = 10          -- "large": the taker order was placed for at least this many times the symbol's median order
-- threshold: executed_multiple = 3       -- and executed at least this many times it (it moved the book; a thin book fills only part)
-- threshold: lead_seconds = 30           -- the linked account's same-direction fills this long before the large order
-- threshold: reverse_seconds = 60        -- and its opposite fills this long after it (a household trading on its own reverses at random, not within a minute)
-- threshold: min_reversed_pct = 50       -- the opposite fills undo at least this share of what it traded ahead
-- threshold: min_cases = 2               -- large orders front-run like that in the lookback
-- threshold: link_days = 30              -- shared login IPs, devices and transfer addresses this recent link accounts
-- threshold: lookback_minutes = 15
-- description: An account linked to another (a login IP or device, or an external wallet they
--   both deposit from or withdraw to) trades in the direction of the other's large order in
--   the seconds before it, and trades back soon after, into the price the large order moved:
--   it knew the order was coming. A relative who buys the same thing and keeps it is not this.
-- runbook: Confirm the link (evidence: via), then replay both accounts' orders on the symbol
--   around each large order; check whether the large trader is a client, employer or API user
--   of the other. Escalate to compliance; freeze the profit pending review if confirmed.
WITH
    keys AS
    (
        -- What ties an account to others here: its login IPs and devices, the external wallets it
        -- deposited from or withdrew to.
        SELECT account_id, arrayJoin([concat('ip:', toString(ip)), if(device_id = '', '', concat('device:', device_id))]) AS k
        FROM user_logins
        WHERE outcome = 'success' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
        UNION ALL
        SELECT account_id, concat('wallet:', address) AS k
        FROM user_funds
        WHERE occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
    ),
    {{> account-links}}
    large AS
    (
        -- Taker orders: what they were placed for and what they executed. The size placed is
        -- what a front-runner knows in advance; on a thin book much of it finds nothing to fill
        -- (the rest of an ioc is cancelled), so it is judged by that size. Whose they are (a
        -- linked account's) is the join in `cases`: links are read once.
        SELECT x.order_id AS order_id, x.owner AS owner, x.symbol AS symbol, x.side AS side, x.qty AS qty,
               x.at AS at, o.placed_qty AS placed_qty
        FROM
        (
            SELECT taker_order_id AS order_id, taker_account_id AS owner, toString(symbol) AS symbol,
                   toString(any(aggressor_side)) AS side, sum(quantity) AS qty, min(occurred_at) AS at
            FROM
            (
                SELECT * FROM engine_executions
                WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
                LIMIT 1 BY event_id
            )
            GROUP BY taker_order_id, taker_account_id, symbol
        ) AS x
        INNER JOIN
        (
            SELECT order_id, max(quantity) AS placed_qty
            FROM engine_orders
            WHERE event = 'new' AND occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + 1 MINUTE
            GROUP BY order_id
        ) AS o ON o.order_id = x.order_id
    ),
    medians AS
    (
        SELECT toString(symbol) AS symbol, quantile(0.5)(quantity) AS median_qty
        FROM engine_orders
        WHERE event = 'new' AND occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        GROUP BY symbol
    ),
    fills AS
    (
        SELECT account_id, toString(symbol) AS symbol, toString(side) AS side, fill_quantity AS qty,
               fill_price AS price, occurred_at, produced_at
        FROM engine_orders
        WHERE event = 'fill' AND occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        LIMIT 1 BY event_id
    ),
    cases AS
    (
        SELECT account_id, owner, via, order_id, symbol, side, large_qty, large_placed, large_at,
               sumIf(qty, ahead) AS ahead_qty, sumIf(qty, back) AS back_qty,
               sumIf(qty * price, ahead) / ahead_qty AS ahead_price, sumIf(qty * price, back) / back_qty AS back_price,
               minIf(at, ahead) AS first_at, maxIf(at, back) AS last_at, maxIf(produced_at, back) AS back_produced_at
        FROM
        (
            -- The linked account's fills on the large order's symbol: ahead of it, the same way; after it, back.
            SELECT l.account_id AS account_id, g.owner AS owner, l.via AS via, g.order_id AS order_id, g.symbol AS symbol,
                   g.side AS side, g.qty AS large_qty, g.placed_qty AS large_placed, g.at AS large_at, f.qty AS qty, f.price AS price,
                   f.occurred_at AS at, f.produced_at AS produced_at,
                   f.side = g.side AND at >= g.at - INTERVAL {{lead_seconds}} SECOND AND at < g.at AS ahead,
                   f.side != g.side AND at > g.at AND at <= g.at + INTERVAL {{reverse_seconds}} SECOND AS back
            FROM large AS g
            INNER JOIN medians AS m ON m.symbol = g.symbol
            INNER JOIN links AS l ON l.linked_to = g.owner
            INNER JOIN fills AS f ON f.account_id = l.account_id AND f.symbol = g.symbol
            WHERE g.placed_qty >= {{size_multiple}} * m.median_qty AND g.qty >= {{executed_multiple}} * m.median_qty
        )
        GROUP BY account_id, owner, via, order_id, symbol, side, large_qty, large_placed, large_at
        HAVING ahead_qty > 0 AND back_qty * 100 >= {{min_reversed_pct}} * ahead_qty
    )
SELECT
    account_id AS entity,
    groupUniqArray(owner) AS related,
    '' AS venue,
    min(first_at) AS first_seen,
    max(last_at) AS last_seen,
    -- The trade back that completed the case which made the count.
    arraySort(groupArray(back_produced_at))[toUInt32({{min_cases}})] AS trigger_at,
    concat(toString(count()), ' large orders of linked ', arrayStringConcat(related, ','), ' on ',
           arrayStringConcat(groupUniqArray(symbol), ','), ' traded ahead and reversed (linked by ',
           arrayStringConcat(arrayDistinct(arrayFlatten(groupArray(via))), ', '), ')') AS summary,
    concat('{"cases":[', arrayStringConcat(groupArray(20)(toJSONString(map(
        'large_order', order_id, 'large_order_account', owner, 'symbol', symbol, 'side', side,
        'large_quantity', toString(large_qty), 'large_placed_quantity', toString(large_placed), 'large_at', toString(large_at),
        'ahead_quantity', toString(ahead_qty), 'ahead_price', toString(ahead_price),
        'back_quantity', toString(back_qty), 'back_price', toString(back_price),
        'first_ahead_at', toString(first_at), 'last_back_at', toString(last_at),
        'via', arrayStringConcat(via, ',')))), ','), ']}') AS evidence
FROM cases
GROUP BY account_id
HAVING count() >= {{min_cases}}
