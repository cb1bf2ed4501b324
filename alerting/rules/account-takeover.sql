-- rule: account-takeover
-- title: Account takeover: a login unlike the account's history, then money out
-- severity: critical
-- entity: account
-- episode_gap_s: 3600
-- refresh_s: 2
-- resolve_after_s: 0
-- traced: true
-- scored: true
-- threshold: withdrawal_usd_min = 50000   -- USD sum of the withdrawals after one login (split withdrawals add up)
-- threshold: window_minutes = 60          -- withdrawals requested this soon after the login count
-- threshold: lookback_minutes = 180       -- how far back each evaluation reads withdrawals
-- threshold: history_days = 90            -- the account's login and withdrawal history compared against
-- threshold: travel_hours = 2             -- a login from another country this soon after the last one: impossible travel
-- threshold: ingest_grace_seconds = 30   -- a withdrawal waits for the login stream to reach its time, at most this long
-- threshold: credential_hours = 24        -- password/2FA/API-key changes this long before the login count
-- threshold: share_pct = 50               -- withdrawn share of what the account deposited in the history
-- threshold: new_address_pct = 50         -- share of the session's USD sent to first-used addresses for that factor
-- threshold: min_score = 5                -- below this score no alert
-- threshold: high_score = 6               -- severity high from this score
-- threshold: critical_score = 8           -- severity critical from this score
-- description: Scores each successful login against the account's own history: new IP (1),
--   new network /24 or /48 (1), new device (3), new country (3), impossible travel (3), no
--   login history at all (3), failed attempts in the hour before from a device the account
--   never logged in with (1; an owner mistyping on their own phone is not a guess), a
--   password/2FA/API-key change in the day before (2). Adds the withdrawals its session made (those requested after
--   it and before the next login, within the window),
--   valued in USD (asset_prices_usd: external, own book, cross rate, fallback): at least
--   new_address_pct of that USD sent to first-used addresses (2; a small payment to a new
--   address beside a large one to the usual address is the owner's pattern), more than share_pct of the deposits seen (1), more than 3x the largest
--   earlier withdrawal (1). Alerts when the USD sum reaches the threshold and the score
--   reaches min_score; severity warning/high/critical by score; every factor is in the evidence.
-- runbook: Freeze withdrawals for the account, contact the owner through a verified channel,
--   read the factors in the evidence (which are new: IP, network, device, country) and the
--   destination addresses. If confirmed, revoke sessions and API keys and file the incident;
--   a known device in the home country on a new carrier network is usually the owner.
WITH
    -- Each table is read once and each step below is referenced once: ClickHouse analyses a CTE
    -- again at every reference, and this rule is evaluated every 2 s, so a rule written as joins
    -- of CTEs that reference CTEs spent most of its time planning (docs/alerting.md).
    movers AS
    (
        -- Accounts that requested a withdrawal in the lookback: the only ones that can alert.
        SELECT DISTINCT account_id FROM user_funds
        WHERE direction = 'withdrawal' AND occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
    ),
    transfers AS
    (
        -- Every money movement of those accounts in the history, one row per transfer: its first
        -- event (the request) is its time; valued in USD (asset_prices_usd: external, own book,
        -- cross rate, fallback; 0 and 'unpriced' when no price is known).
        SELECT t.account_id AS account_id, t.direction AS direction, t.transfer_id AS transfer_id, t.asset AS asset,
               t.amount AS amount, t.address AS address, t.at AS at, t.produced_at AS produced_at,
               t.event_id AS event_id, t.trace_parent AS trace_parent,
               t.amount * p.price_usd AS usd, if(p.source = '', 'unpriced', p.source) AS price_source,
               -- When the account first withdrew to this address (first use: at or after the login).
               minIf(t.at, t.direction = 'withdrawal') OVER (PARTITION BY t.account_id, t.address) AS address_first_at
        FROM
        (
            SELECT account_id, toString(direction) AS direction, transfer_id, toString(any(asset)) AS asset,
                   any(amount) AS amount, any(address) AS address, min(occurred_at) AS at,
                   argMin(produced_at, occurred_at) AS produced_at, argMin(event_id, occurred_at) AS event_id,
                   argMin(trace_parent, occurred_at) AS trace_parent
            FROM user_funds
            WHERE occurred_at >= now64(3) - INTERVAL {{history_days}} DAY
              AND account_id IN (SELECT account_id FROM movers)
            GROUP BY account_id, direction, transfer_id
        ) AS t
        LEFT JOIN (SELECT asset, price_usd, source FROM asset_prices_usd) AS p ON p.asset = t.asset
    ),
    funds AS
    (
        SELECT account_id,
               groupArray((at, direction, ifNull(usd, 0), produced_at, event_id, trace_parent, transfer_id, asset,
                   amount, address, price_source, address_first_at)) AS moves
        FROM transfers
        GROUP BY account_id
    ),
    history AS
    (
        -- The same accounts' logins in the history, oldest first.
        SELECT account_id,
               arraySort(x -> x.1, groupArray((occurred_at, outcome = 'success', replaceOne(toString(ip), '::ffff:', ''),
                   cutIPv6(ip, 10, 1), device_id, toString(geo_country), event_id))) AS logins
        FROM user_logins
        WHERE occurred_at >= now64(3) - INTERVAL {{history_days}} DAY
          AND account_id IN (SELECT account_id FROM movers)
        GROUP BY account_id
    ),
    scored AS
    (
        -- Each recent successful login against every earlier login of the account.
        SELECT
            account_id, l.7 AS login_id, l.1 AS login_at, l.3 AS ip, l.5 AS device, l.6 AS country,
            arrayFilter(p -> p.2 AND p.1 < l.1, logins) AS earlier,
            length(earlier) AS prior,
            prior = 0 AS no_history,
            prior > 0 AND NOT has(arrayMap(p -> p.3, earlier), l.3) AS new_ip,
            prior > 0 AND NOT has(arrayMap(p -> p.4, earlier), l.4) AS new_network,
            prior > 0 AND l.5 != '' AND NOT has(arrayMap(p -> p.5, earlier), l.5) AS new_device,
            prior > 0 AND l.6 != '' AND NOT has(arrayMap(p -> p.6, earlier), l.6) AS new_country,
            l.6 != '' AND arrayExists(p -> p.1 >= l.1 - INTERVAL {{travel_hours}} HOUR AND p.6 != '' AND p.6 != l.6, earlier)
                AS impossible_travel,
            -- Failed attempts that are guesses: from a device the account never logged in with.
            arrayCount(p -> NOT p.2 AND p.1 < l.1 AND p.1 >= l.1 - INTERVAL 1 HOUR
                AND (p.5 = '' OR NOT has(arrayMap(e -> e.5, earlier), p.5)), logins) AS failed_before,
            -- The session ends at the account's next successful login.
            arrayMin(arrayMap(p -> p.1, arrayFilter(p -> p.2 AND p.1 > l.1, logins))) AS next_login_at,
            arrayExists(p -> p.2 AND p.1 > l.1, logins) AS has_next
        FROM history
        ARRAY JOIN arrayFilter(x -> x.2 AND x.1 >= now64(3) - INTERVAL {{lookback_minutes}} + {{window_minutes}} MINUTE, logins) AS l
    ),
    credentials AS
    (
        -- Password, 2FA, e-mail and API-key changes of the same accounts.
        SELECT account_id, groupArray((at, what)) AS changes
        FROM
        (
            SELECT k.account_id AS account_id, k.occurred_at AS at, concat('api_key.', toString(k.action)) AS what
            FROM user_api_keys AS k
            WHERE k.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + {{credential_hours}} * 60 MINUTE
              AND k.action != 'revoked'
            UNION ALL
            SELECT b.account_id, b.occurred_at, toString(b.action)
            FROM user_browser_actions AS b
            WHERE b.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} + {{credential_hours}} * 60 MINUTE
              AND match(toString(b.action), '(password|passwd|mfa|2fa|totp|otp|email|phone)')
        )
        GROUP BY account_id
    ),
    judged AS
    (
        SELECT
            s.account_id AS account_id, s.login_id AS login_id, s.login_at AS login_at, s.ip AS ip,
            s.device AS device, s.country AS country, s.prior AS prior,
            greatest(
                (SELECT max(m.occurred_at) FROM user_logins AS m
                 WHERE m.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE),
                now64(3) - INTERVAL {{ingest_grace_seconds}} SECOND) AS judged_until,
            -- The withdrawals this login's session made (requested after it, before the account's
            -- next successful login, within the window; an owner's earlier login does not lend its
            -- score to an attacker's withdrawals, nor the other way round), oldest first. Logins and
            -- withdrawals arrive through different topics: a withdrawal is judged once the login
            -- stream has caught up with it (or after the grace), so a login still in flight cannot
            -- leave its withdrawals to an older login of the account.
            arraySort(x -> x.1, arrayMap(x -> (x.1, x.3, x.4, x.5, x.6, x.7, x.8, x.9, x.10, x.11, x.12 >= s.login_at),
                arrayFilter(x -> x.2 = 'withdrawal'
                    AND x.1 >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
                    AND x.1 >= s.login_at AND (NOT s.has_next OR x.1 < s.next_login_at)
                    AND x.1 <= s.login_at + INTERVAL {{window_minutes}} MINUTE
                    AND x.1 <= judged_until, fm.moves))) AS ws,
            arraySum(x -> x.2, ws) AS usd_sum,
            -- The withdrawal that took the running sum over the threshold is the trigger.
            arrayFirstIndex(x -> x >= {{withdrawal_usd_min}}, arrayCumSum(arrayMap(x -> x.2, ws))) AS crossing,
            arrayDistinct(arrayMap(x -> x.9, arrayFilter(x -> x.11, ws))) AS new_addresses,
            arraySum(x -> if(x.11, x.2, 0), ws) AS new_address_usd,
            arrayDistinct(arrayMap(x -> x.7, arrayFilter(x -> x.10 = 'unpriced', ws))) AS unpriced_assets,
            -- The account's own withdrawal sizes and deposits before the login.
            arrayMax(arrayMap(x -> if(x.2 = 'withdrawal' AND x.1 < s.login_at, x.3, 0), fm.moves)) AS largest_before_usd,
            arraySum(arrayMap(x -> if(x.2 = 'deposit' AND x.1 < s.login_at + INTERVAL {{window_minutes}} MINUTE, x.3, 0), fm.moves))
                AS deposited_usd,
            -- Credential changes shortly before (or after) the login.
            arraySort(arrayDistinct(arrayMap(k -> k.2, arrayFilter(k -> k.1 >= s.login_at - INTERVAL {{credential_hours}} HOUR
                AND k.1 <= s.login_at + INTERVAL {{window_minutes}} MINUTE, c.changes)))) AS credential_changes,
            -- The factors and their weights: the evidence lists each one that applied.
            arrayFilter(f -> f.2 > 0, [
                ('no_login_history', 3 * s.no_history),
                ('new_ip', 1 * s.new_ip),
                ('new_network', 1 * s.new_network),
                ('new_device', 3 * s.new_device),
                ('new_country', 3 * s.new_country),
                ('impossible_travel', 3 * s.impossible_travel),
                ('failed_logins_before', 1 * (s.failed_before > 0)),
                ('credential_change', 2 * (length(credential_changes) > 0)),
                ('new_withdrawal_address', 2 * (new_address_usd > 0
                    AND new_address_usd * 100 >= {{new_address_pct}} * usd_sum)),
                ('share_of_deposits', 1 * (deposited_usd > 0 AND usd_sum * 100 >= {{share_pct}} * deposited_usd)),
                ('above_own_history', 1 * (usd_sum > 3 * largest_before_usd))]) AS factors,
            arraySum(f -> f.2, factors) AS score
        FROM scored AS s
        INNER JOIN funds AS fm ON fm.account_id = s.account_id
        LEFT JOIN credentials AS c ON c.account_id = s.account_id
    )
SELECT
    account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    login_at AS first_seen,
    arrayMax(x -> x.1, ws) AS last_seen,
    ws[crossing].3 AS trigger_at,
    -- The trace of the trigger (the withdrawal that crossed the threshold), so the delivery joins it.
    ws[crossing].5 AS trace_parent,
    multiIf(score >= {{critical_score}}, 'critical', score >= {{high_score}}, 'high', 'warning') AS severity,
    concat('score ', toString(score), ': login from ', ip, ' (', country, ') [',
           arrayStringConcat(arrayMap(f -> f.1, factors), ', '), '], then ', toString(length(ws)),
           ' withdrawal(s) worth ', toString(round(usd_sum)), ' USD') AS summary,
    concat('{"score":', toString(score),
        ',"factors":', toJSONString(CAST(factors, 'Map(String, UInt8)')),
        ',"login":', toJSONString(map('event_id', toString(login_id), 'ip', ip, 'device', device, 'country', country,
            'at', toString(login_at), 'earlier_logins', toString(prior))),
        ',"credential_changes":', toJSONString(credential_changes),
        ',"withdrawals_usd":', toString(round(usd_sum, 2)),
        ',"largest_earlier_withdrawal_usd":', toString(round(largest_before_usd, 2)),
        ',"deposited_usd":', toString(round(deposited_usd, 2)),
        ',"new_addresses":', toJSONString(new_addresses),
        ',"new_addresses_usd":', toString(round(new_address_usd, 2)),
        ',"unpriced_assets":', toJSONString(unpriced_assets),
        ',"withdrawals":[', arrayStringConcat(arrayMap(x -> toJSONString(map(
            'event_id', toString(x.4), 'transfer_id', x.6, 'asset', x.7, 'amount', toString(x.8),
            'usd', toString(round(x.2, 2)), 'price_source', x.10, 'address', x.9,
            'first_use', if(x.11, 'true', 'false'), 'at', toString(x.1))), arraySlice(ws, 1, 20)), ','), ']}') AS evidence
FROM judged
WHERE length(ws) > 0 AND crossing > 0 AND score >= {{min_score}}
ORDER BY score DESC, first_seen
LIMIT 1 BY entity
