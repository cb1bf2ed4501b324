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
    px AS (SELECT asset, price_usd, source FROM asset_prices_usd),
    w AS
    (
        -- One row per withdrawal in the lookback: its first event (the request) is its time.
        SELECT
            f.account_id AS account_id,
            f.transfer_id AS transfer_id,
            toString(any(f.asset)) AS asset,
            any(f.amount) AS amount,
            any(f.address) AS address,
            min(f.occurred_at) AS requested_at,
            argMin(f.produced_at, f.occurred_at) AS produced_at,
            argMin(f.event_id, f.occurred_at) AS event_id,
            argMin(f.trace_parent, f.occurred_at) AS trace_parent
        FROM user_funds AS f
        WHERE f.direction = 'withdrawal'
          AND f.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        GROUP BY f.account_id, f.transfer_id
    ),
    funds_history AS
    (
        -- The same accounts' money movements in the history (the recent ones included).
        SELECT h.account_id AS account_id, toString(h.direction) AS direction, h.transfer_id AS transfer_id,
               any(h.address) AS address, min(h.occurred_at) AS at, any(h.amount) * any(p.price_usd) AS usd
        FROM user_funds AS h
        LEFT JOIN px AS p ON p.asset = toString(h.asset)
        WHERE h.occurred_at >= now64(3) - INTERVAL {{history_days}} DAY
          AND h.account_id IN (SELECT account_id FROM w)
        GROUP BY h.account_id, h.direction, h.transfer_id
    ),
    address_first AS
    (
        SELECT account_id, address, min(at) AS first_at
        FROM funds_history WHERE direction = 'withdrawal' GROUP BY account_id, address
    ),
    wv AS
    (
        -- Valued in USD with the source named; when the address was first withdrawn to.
        SELECT w.account_id AS account_id, w.transfer_id AS transfer_id, w.asset AS asset, w.amount AS amount,
               w.address AS address, w.requested_at AS requested_at, w.produced_at AS produced_at,
               w.event_id AS event_id, w.trace_parent AS trace_parent,
               w.amount * p.price_usd AS usd, if(p.source = '', 'unpriced', p.source) AS price_source,
               a.first_at AS address_first_at
        FROM w
        LEFT JOIN px AS p ON p.asset = w.asset
        LEFT JOIN address_first AS a ON a.account_id = w.account_id AND a.address = w.address
    ),
    logins AS
    (
        SELECT l.account_id AS account_id, l.event_id AS event_id, l.occurred_at AS at, l.outcome AS outcome,
               replaceOne(toString(l.ip), '::ffff:', '') AS ip, cutIPv6(l.ip, 10, 1) AS net,
               l.device_id AS device, toString(l.geo_country) AS country
        FROM user_logins AS l
        WHERE l.occurred_at >= now64(3) - INTERVAL {{history_days}} DAY
          AND l.account_id IN (SELECT account_id FROM w)
    ),
    scored AS
    (
        -- Each recent successful login against every earlier login of the account.
        SELECT
            l.account_id AS account_id, l.event_id AS event_id, l.at AS at, l.ip AS ip, l.device AS device,
            l.country AS country,
            countIf(p.outcome = 'success' AND p.at < l.at) AS prior,
            prior = 0 AS no_history,
            prior > 0 AND countIf(p.outcome = 'success' AND p.at < l.at AND p.ip = l.ip) = 0 AS new_ip,
            prior > 0 AND countIf(p.outcome = 'success' AND p.at < l.at AND p.net = l.net) = 0 AS new_network,
            prior > 0 AND l.device != ''
                AND countIf(p.outcome = 'success' AND p.at < l.at AND p.device = l.device) = 0 AS new_device,
            prior > 0 AND l.country != ''
                AND countIf(p.outcome = 'success' AND p.at < l.at AND p.country = l.country) = 0 AS new_country,
            l.country != '' AND countIf(p.outcome = 'success' AND p.at < l.at
                AND p.at >= l.at - INTERVAL {{travel_hours}} HOUR AND p.country != '' AND p.country != l.country) > 0
                AS impossible_travel,
            groupUniqArrayIf(p.device, p.outcome = 'success' AND p.at < l.at) AS known_devices,
            -- Failed attempts that are guesses: from a device the account never logged in with.
            length(arrayFilter(d -> d = '' OR NOT has(known_devices, d),
                groupArrayIf(p.device, p.outcome != 'success' AND p.at < l.at AND p.at >= l.at - INTERVAL 1 HOUR)))
                AS failed_before
        FROM logins AS l
        INNER JOIN logins AS p ON p.account_id = l.account_id
        WHERE l.outcome = 'success'
          AND l.at >= now64(3) - INTERVAL {{lookback_minutes}} + {{window_minutes}} MINUTE
        GROUP BY l.account_id, l.event_id, l.at, l.ip, l.device, l.country
    ),
    credential_changes AS
    (
        -- Password, 2FA, e-mail and API-key changes shortly before (or after) each login.
        SELECT s.event_id AS login_id, groupUniqArray(c.what) AS changes
        FROM scored AS s
        INNER JOIN
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
        ) AS c ON c.account_id = s.account_id
        WHERE c.at >= s.at - INTERVAL {{credential_hours}} HOUR AND c.at <= s.at + INTERVAL {{window_minutes}} MINUTE
        GROUP BY s.event_id
    ),
    funds_before AS
    (
        -- The account's own withdrawal sizes and deposits before each login.
        SELECT s.event_id AS login_id,
               maxIf(h.usd, h.direction = 'withdrawal' AND h.at < s.at) AS largest_before_usd,
               sumIf(h.usd, h.direction = 'deposit' AND h.at < s.at + INTERVAL {{window_minutes}} MINUTE) AS deposited_usd
        FROM scored AS s
        INNER JOIN funds_history AS h ON h.account_id = s.account_id
        GROUP BY s.event_id
    ),
    attributed AS
    (
        -- Each withdrawal belongs to the session that made it: the account's latest successful
        -- login before it (an owner's earlier login does not lend its score to an attacker's
        -- withdrawals, nor the other way round), if within the window.
        SELECT v.account_id AS account_id, v.requested_at AS requested_at, v.usd AS usd, v.produced_at AS produced_at,
               v.event_id AS event_id, v.trace_parent AS trace_parent, v.transfer_id AS transfer_id, v.asset AS asset,
               v.amount AS amount, v.address AS address, v.price_source AS price_source,
               v.address_first_at AS address_first_at, l.event_id AS login_id, l.at AS login_at
        FROM wv AS v
        ASOF INNER JOIN (SELECT account_id, at, event_id FROM logins WHERE outcome = 'success') AS l
            ON l.account_id = v.account_id AND v.requested_at >= l.at
        WHERE v.requested_at <= l.at + INTERVAL {{window_minutes}} MINUTE
          -- Logins and withdrawals arrive through different topics: a withdrawal is judged once the
          -- login stream has caught up with it (or after the grace), so a login still in flight
          -- cannot leave its withdrawals to an older login of the account.
          AND v.requested_at <= greatest(
              (SELECT max(m.occurred_at) FROM user_logins AS m WHERE m.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE),
              now64(3) - INTERVAL {{ingest_grace_seconds}} SECOND)
    ),
    after AS
    (
        -- The withdrawals each login's session made, oldest first; "new address": first used after the login.
        SELECT login_id,
               arraySort(x -> x.1, groupArray((requested_at, ifNull(usd, 0), produced_at, event_id, trace_parent,
                   transfer_id, asset, amount, address, price_source, address_first_at >= login_at))) AS ws
        FROM attributed
        GROUP BY login_id
    ),
    judged AS
    (
        SELECT
            s.account_id AS account_id, s.event_id AS login_id, s.at AS login_at, s.ip AS ip, s.device AS device,
            s.country AS country, s.prior AS prior, a.ws AS ws,
            arraySum(x -> x.2, ws) AS usd_sum,
            -- The withdrawal that took the running sum over the threshold is the trigger.
            arrayFirstIndex(x -> x >= {{withdrawal_usd_min}}, arrayCumSum(arrayMap(x -> x.2, ws))) AS crossing,
            arrayDistinct(arrayMap(x -> x.9, arrayFilter(x -> x.11, ws))) AS new_addresses,
            arraySum(x -> if(x.11, x.2, 0), ws) AS new_address_usd,
            arrayDistinct(arrayMap(x -> x.7, arrayFilter(x -> x.10 = 'unpriced', ws))) AS unpriced_assets,
            b.largest_before_usd AS largest_before_usd, b.deposited_usd AS deposited_usd,
            cc.changes AS credential_changes,
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
        INNER JOIN after AS a ON a.login_id = s.event_id
        LEFT JOIN credential_changes AS cc ON cc.login_id = s.event_id
        LEFT JOIN funds_before AS b ON b.login_id = s.event_id
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
WHERE crossing > 0 AND score >= {{min_score}}
ORDER BY score DESC, first_seen
LIMIT 1 BY entity
