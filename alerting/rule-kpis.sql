-- Rule KPIs per rule per day (detection day, UTC): read by alerting/rule-kpis.ts for
-- `tradewatch alerts kpis` and the console's /kpis page. Parameters: {days:UInt16},
-- {rule:String} ('' = every rule).
WITH
    firsts AS
    (
        -- A person's first response to each alert (not the notifier's auto-resolve).
        SELECT fingerprint, minIf(at, action IN ('acknowledge', 'assign', 'resolve')) AS first_response
        FROM alert_actions
        WHERE actor != 'notifier'
        GROUP BY fingerprint
    ),
    resolutions AS
    (
        -- The newest resolution's outcome per alert.
        SELECT fingerprint, argMax(toString(outcome), at) AS outcome
        FROM alert_actions
        WHERE action = 'resolve'
        GROUP BY fingerprint
    ),
    failures AS
    (
        SELECT fingerprint, countIf(outcome = 'failed') AS failed, countIf(outcome = 'rejected') AS rejected
        FROM alert_deliveries
        GROUP BY fingerprint
    )
SELECT
    toString(toDate(a.detected_at)) AS day,
    a.rule_id AS rule_id,
    count() AS alerts,
    countIf(f.first_response > toDateTime64(0, 3, 'UTC')) AS responded,
    round(quantileIf(0.5)(dateDiff('millisecond', a.detected_at, f.first_response) / 1000,
          f.first_response > toDateTime64(0, 3, 'UTC')), 1) AS ack_p50_s,
    countIf(r.outcome = 'true_positive') AS true_pos,
    countIf(r.outcome = 'false_positive') AS false_pos,
    countIf(r.outcome = 'duplicate') AS duplicate,
    countIf(r.outcome = 'benign') AS benign,
    if(true_pos + false_pos = 0, NULL, round(true_pos / (true_pos + false_pos), 2)) AS precision,
    sum(d.failed) AS deliveries_failed,
    sum(d.rejected) AS deliveries_rejected
FROM alerts AS a FINAL
LEFT JOIN firsts AS f ON f.fingerprint = a.fingerprint
LEFT JOIN resolutions AS r ON r.fingerprint = a.fingerprint
LEFT JOIN failures AS d ON d.fingerprint = a.fingerprint
WHERE a.detected_at >= today() - {days:UInt16} AND ({rule:String} = '' OR a.rule_id = {rule:String})
GROUP BY day, rule_id
ORDER BY day DESC, rule_id
SETTINGS join_use_nulls = 0
