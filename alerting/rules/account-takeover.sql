-- rule: account-takeover
-- title: Account takeover: login from a new IP, then a large withdrawal
-- severity: critical
-- entity: account
-- episode_gap_s: 3600
-- refresh_s: 1
-- resolve_after_s: 0
-- traced: true
-- threshold: withdrawal_usd_min = 50000   -- USD value of one withdrawal (amount × asset_prices_usd)
-- threshold: window_minutes = 60          -- the withdrawal must be requested this soon after the login
-- threshold: lookback_minutes = 180       -- how far back each evaluation reads withdrawals
-- description: A successful login from an IP address the account had never used, followed
--   within the window by a withdrawal worth more than the USD threshold.
-- runbook: Freeze withdrawals for the account, contact the owner through a verified channel,
--   check the destination address against known addresses and the login's country and device.
--   If confirmed, revoke sessions and API keys and file the incident; else acknowledge with a note.
WITH
    big AS
    (
        -- One row per withdrawal: its first event (the request) is the trigger.
        SELECT
            w.account_id AS account_id,
            w.transfer_id AS transfer_id,
            any(w.asset) AS asset,
            any(w.amount) AS amount,
            any(w.address) AS address,
            min(w.occurred_at) AS requested_at,
            argMin(w.produced_at, w.occurred_at) AS produced_at,
            argMin(w.event_id, w.occurred_at) AS event_id,
            argMin(w.trace_parent, w.occurred_at) AS trace_parent,
            any(w.amount) * any(p.price_usd) AS amount_usd
        FROM user_funds AS w
        LEFT JOIN asset_prices_usd AS p ON p.asset = toString(w.asset)
        WHERE w.direction = 'withdrawal'
          AND w.occurred_at >= now64(3) - INTERVAL {{lookback_minutes}} MINUTE
        GROUP BY w.account_id, w.transfer_id
        HAVING amount_usd >= {{withdrawal_usd_min}}
    ),
    first_ip_logins AS
    (
        -- Each account's first successful login from each IP: "never seen before" at that moment.
        -- Read only for accounts with a large withdrawal, so the history scan stays small.
        SELECT account_id, ip, event_id, occurred_at, device_id, geo_country, user_agent
        FROM user_logins
        WHERE outcome = 'success' AND account_id IN (SELECT account_id FROM big)
        ORDER BY occurred_at, event_id
        LIMIT 1 BY account_id, ip
    )
SELECT
    b.account_id AS entity,
    CAST([], 'Array(String)') AS related,
    '' AS venue,
    min(l.occurred_at) AS first_seen,
    max(b.requested_at) AS last_seen,
    min(b.produced_at) AS trigger_at,
    -- The trace of the trigger (the earliest withdrawal), so the notifier's delivery joins it.
    argMin(b.trace_parent, b.produced_at) AS trace_parent,
    concat('login from new IP ', any(replaceOne(toString(l.ip), '::ffff:', '')), ' (', any(l.geo_country), '), then ',
           toString(uniqExact(b.transfer_id)), ' withdrawal(s) worth ', toString(round(sum(DISTINCT b.amount_usd))), ' USD') AS summary,
    concat('{"logins":[',
        arrayStringConcat(groupUniqArray(20)(toJSONString(map(
            'event_id', toString(l.event_id), 'ip', replaceOne(toString(l.ip), '::ffff:', ''),
            'device', l.device_id, 'country', toString(l.geo_country), 'at', toString(l.occurred_at)))), ','),
        '],"withdrawals":[',
        arrayStringConcat(groupUniqArray(20)(toJSONString(map(
            'event_id', toString(b.event_id), 'transfer_id', b.transfer_id, 'asset', toString(b.asset),
            'amount', toString(b.amount), 'usd', toString(round(b.amount_usd, 2)), 'address', b.address,
            'at', toString(b.requested_at)))), ','),
        ']}') AS evidence
FROM big AS b
INNER JOIN first_ip_logins AS l ON l.account_id = b.account_id
WHERE b.requested_at >= l.occurred_at
  AND b.requested_at <= l.occurred_at + INTERVAL {{window_minutes}} MINUTE
GROUP BY b.account_id
