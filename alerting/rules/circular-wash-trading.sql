-- rule: circular-wash-trading
-- title: Circular wash trading: linked accounts passing one clip round a ring
-- severity: high
-- entity: account
-- episode_gap_s: 1800
-- refresh_s: 2
-- resolve_after_s: 0
-- threshold: min_cycles = 2              -- cycles A→B→C→A in the lookback
-- threshold: cycle_seconds = 60          -- from the first leg of a cycle to its last
-- threshold: max_price_diff_bps = 20     -- each leg's price this close to the first leg's
-- threshold: max_size_diff_pct = 1       -- each leg's size this close to the first leg's
-- threshold: lookback_minutes = 15       -- how far back each evaluation reads executions
-- threshold: link_days = 30              -- logins and withdrawals this recent link accounts
-- description: Three accounts, each pair linked by a shared login IP, a shared device or an
--   external wallet both withdrew to (one owner behind them), trade one symbol round a cycle:
--   A sells to B, B to C, C back to A, at about one price and size within a minute. The
--   position ends where it began; the volume is fake. The pairwise wash-trading rule sees
--   none of it when each pair trades only now and then, or when the link is the wallet.
-- runbook: Pull the three accounts' orders on the symbol and their KYC files; check who
--   funded them and where withdrawals went (the evidence names each link). Look for more
--   accounts on the same links (rings grow). Restrict trading pending review; report to
--   compliance if confirmed.
WITH
    keys AS
    (
        -- What ties an account to others here: its login IPs and devices, the wallets it withdrew to.
        SELECT account_id, arrayJoin([concat('ip:', toString(ip)), if(device_id = '', '', concat('device:', device_id))]) AS k
        FROM user_logins
        WHERE outcome = 'success' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
        UNION ALL
        SELECT account_id, concat('wallet:', address) AS k
        FROM user_funds
        WHERE direction = 'withdrawal' AND occurred_at >= now64(3) - INTERVAL {{link_days}} DAY
    ),
    {{> account-links}}
    edges AS
    (
        -- Trades between two linked accounts, with what links them, gathered per symbol: the
        -- cycles are found within each symbol's array (edges read once, not joined to itself).
        SELECT t.symbol AS symbol,
               groupArray((t.event_id, t.seller, t.buyer, t.at, t.produced_at, t.price, t.quantity, l.via)) AS es
        FROM
        (
            SELECT event_id, toString(symbol) AS symbol, price, quantity, occurred_at AS at, produced_at,
                   if(aggressor_side = 'buy', maker_account_id, taker_account_id) AS seller,
                   if(aggressor_side = 'buy', taker_account_id, maker_account_id) AS buyer
            FROM engine_executions
            WHERE occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE AND maker_account_id != taker_account_id
            LIMIT 1 BY event_id
        ) AS t
        INNER JOIN links AS l ON l.account_id = t.seller AND l.linked_to = t.buyer
        GROUP BY symbol
    ),
    cycles AS
    (
        -- A→B, then B→C, then C→A (the links make A, B and C distinct), one clip at one price.
        -- Legs: (event_id, seller, buyer, at, produced_at, price, quantity, via).
        SELECT symbol, [e1.2, e2.2, e3.2] AS ring, e1.1 AS first_leg,
               e1.4 AS first_at, e3.4 AS last_at, e3.5 AS closed_produced,
               e1.6 * e1.7 AS notional,
               toJSONString(map('symbol', symbol, 'ring', arrayStringConcat(ring, '→'),
                   'prices', arrayStringConcat([toString(e1.6), toString(e2.6), toString(e3.6)], '/'),
                   'sizes', arrayStringConcat([toString(e1.7), toString(e2.7), toString(e3.7)], '/'),
                   'links', arrayStringConcat(arrayDistinct(arrayConcat(e1.8, e2.8, e3.8)), ','),
                   'from', toString(e1.4), 'to', toString(e3.4))) AS json
        FROM edges
        ARRAY JOIN es AS e1
        ARRAY JOIN arrayFilter(e -> e.2 = e1.3 AND e1.4 <= e.4 AND e.4 <= e1.4 + INTERVAL {{cycle_seconds}} SECOND
            AND abs(e.6 / e1.6 - 1) * 10000 <= {{max_price_diff_bps}} AND abs(e.7 / e1.7 - 1) * 100 <= {{max_size_diff_pct}}, es) AS e2
        ARRAY JOIN arrayFilter(e -> e.2 = e2.3 AND e.3 = e1.2 AND e2.4 <= e.4 AND e.4 <= e1.4 + INTERVAL {{cycle_seconds}} SECOND
            AND abs(e.6 / e1.6 - 1) * 10000 <= {{max_price_diff_bps}} AND abs(e.7 / e1.7 - 1) * 100 <= {{max_size_diff_pct}}, es) AS e3
        -- A leg that could close several cycles counts once, in the first that closes.
        ORDER BY last_at
        LIMIT 1 BY first_leg
    )
SELECT
    arraySort(ring)[1] AS entity,
    arrayFilter(x -> x != entity, arrayDistinct(flatten(groupArray(ring)))) AS related,
    '' AS venue,
    min(first_at) AS first_seen,
    max(last_at) AS last_seen,
    -- The last leg of the cycle that reached the threshold is the trigger.
    arraySort(groupArray(closed_produced))[toUInt32({{min_cycles}})] AS trigger_at,
    concat(toString(count()), ' cycles round ', arrayStringConcat(arrayDistinct(flatten(groupArray(ring))), '→'), ' on ',
           arrayStringConcat(groupUniqArray(symbol), ','), ' worth ', toString(round(sum(notional) * 3)), ' quote') AS summary,
    concat('{"cycles":[', arrayStringConcat(groupArray(20)(json), ','), ']}') AS evidence
FROM cycles
GROUP BY entity
HAVING count() >= {{min_cycles}}
