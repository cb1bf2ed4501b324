-- Alerts: what the rules (alerting/rules/*.sql, installed as refreshable materialized
-- views by alerting/rules/loader.ts) found. One logical alert per fingerprint
-- = SHA-256(rule, entity, window start); a rule that sees the same episode again appends a
-- newer version of the same fingerprint (a later last_seen), never a second alert.
-- ReplacingMergeTree keyed by fingerprint keeps the newest version; readers use FINAL (the
-- table holds alerts, not events: thousands of rows, not billions).
CREATE TABLE IF NOT EXISTS alerts
(
    fingerprint     FixedString(64)                 COMMENT 'hex SHA-256 of rule, entity, window start',
    alert_id        String                          COMMENT 'short, human-quotable: <rule>-<12 hex of fingerprint>',
    rule_id         LowCardinality(String),
    severity        Enum8('info' = 1, 'warning' = 2, 'high' = 3, 'critical' = 4),
    entity_type     LowCardinality(String)          COMMENT 'account, token, market, pipeline',
    entity          String,
    -- Other entities the alert is about (the second account of a wash-trading pair).
    related         Array(String),
    -- Market rules name the venue so that a stale-feed alert can inhibit a venue's others.
    venue           LowCardinality(String),
    title           String,
    summary         String                          CODEC(ZSTD(3)),
    evidence        String                          COMMENT 'JSON: the rows that triggered it' CODEC(ZSTD(3)),
    window_start    DateTime64(3, 'UTC')            COMMENT 'start of the episode: part of the fingerprint',
    first_seen      DateTime64(3, 'UTC'),
    last_seen       DateTime64(3, 'UTC'),
    -- When the event that made the rule true entered the pipeline (its produced_at): the
    -- start of the event-to-delivery latency.
    trigger_at      DateTime64(3, 'UTC'),
    detected_at     DateTime64(3, 'UTC')            COMMENT 'when the rule first wrote this fingerprint',
    status          Enum8('firing' = 1, 'resolved' = 2) COMMENT 'as the rule sees it; people act in alert_actions',
    updated_at      DateTime64(3, 'UTC')            COMMENT 'version: the newest row per fingerprint wins'
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(detected_at)
ORDER BY fingerprint
TTL toDateTime(detected_at) + INTERVAL 180 DAY;

-- Everything people and the notifier do to an alert, append-only: the audit trail.
-- The effective status of an alert is its newest action (alerts_current below).
CREATE TABLE IF NOT EXISTS alert_actions
(
    at              DateTime64(3, 'UTC') DEFAULT now64(3),
    fingerprint     FixedString(64),
    alert_id        String,
    action          Enum8('acknowledge' = 1, 'assign' = 2, 'resolve' = 3, 'auto_resolve' = 4, 'reopen' = 5, 'note' = 6),
    actor           String                          COMMENT 'who: a user name, or notifier',
    assignee        String,
    note            String                          CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (fingerprint, at);

-- Silences: mute a rule, an entity, or both, for a time. A silence is ended early by
-- inserting the same silence_id with an earlier ends_at (newest version wins).
CREATE TABLE IF NOT EXISTS alert_silences
(
    silence_id      String,
    rule_id         String                          COMMENT 'empty: any rule',
    entity          String                          COMMENT 'empty: any entity',
    starts_at       DateTime64(3, 'UTC'),
    ends_at         DateTime64(3, 'UTC'),
    created_by      String,
    reason          String,
    updated_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY silence_id;

-- The notifier's delivery log: one row per attempt and outcome, keyed by a deterministic
-- delivery id (fingerprint × channel × kind). A delivery is done once it has a 'sent',
-- 'dry_run' or 'rejected' row; a restarted notifier reads this before sending anything.
CREATE TABLE IF NOT EXISTS alert_deliveries
(
    at              DateTime64(3, 'UTC') DEFAULT now64(3),
    delivery_id     FixedString(64)                 COMMENT 'hex SHA-256 of fingerprint, channel, kind',
    fingerprint     FixedString(64),
    alert_id        String,
    rule_id         LowCardinality(String),
    channel         LowCardinality(String)          COMMENT 'the route channel name from the config file',
    channel_type    LowCardinality(String)          COMMENT 'slack, telegram, webhook',
    kind            LowCardinality(String)          COMMENT 'firing, resolved, repeat-N',
    attempt         UInt16,
    outcome         Enum8('intent' = 1, 'sent' = 2, 'failed' = 3, 'rejected' = 4, 'dry_run' = 5),
    http_status     UInt16,
    error           String                          CODEC(ZSTD(3)),
    duration_ms     UInt32,
    -- Alerts delivered together in one grouped message share it.
    message_id      String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (delivery_id, at);

-- The rules as installed: metadata for dashboards and the notifier (runbooks), and the hash
-- of the rendered view, so the loader replaces a view only when its definition changed.
CREATE TABLE IF NOT EXISTS alert_rules
(
    rule_id         String,
    title           String,
    severity        Enum8('info' = 1, 'warning' = 2, 'high' = 3, 'critical' = 4),
    entity_type     LowCardinality(String),
    description     String,
    runbook         String,
    thresholds      String                          COMMENT 'JSON: name → value in force',
    resolve_after_s UInt32                          COMMENT '0: resolved by people only',
    view_name       String,
    definition_hash FixedString(64),
    installed_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(installed_at)
ORDER BY rule_id;

-- An alert with its effective status: the newest status-changing action by a person or
-- the notifier, else what the rule says; the assignee is the newest assignment.
CREATE VIEW IF NOT EXISTS alerts_current AS
SELECT
    a.*,
    multiIf(x.last_action IN ('resolve', 'auto_resolve'), 'resolved',
            x.last_action = 'acknowledge', 'acknowledged',
            toString(a.status)) AS effective_status,
    x.assignee AS assignee,
    x.last_action_at AS last_action_at
FROM alerts AS a FINAL
LEFT JOIN
(
    SELECT
        fingerprint,
        argMaxIf(toString(action), at, action NOT IN ('assign', 'note')) AS last_action,
        argMaxIf(assignee, at, action = 'assign') AS assignee,
        max(at) AS last_action_at
    FROM alert_actions
    GROUP BY fingerprint
) AS x ON x.fingerprint = a.fingerprint;
