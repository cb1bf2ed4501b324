-- Trace context from Kafka headers into the facts and alerts (docs/full-stack.md, "Traces
-- and logs"): EventProducer writes a W3C `traceparent` header on every message when
-- telemetry is on; the Kafka engine exposes headers as the virtual columns `_headers.name`
-- and `_headers.value` (Array(String)), and the parse view now keeps the traceparent's value
-- ('' when the message has none: indexOf gives 0, and element 0 of an array is the default).
-- The pattern for any other topic: trace_parent on <fact>_parsed and <fact>, both views
-- re-created passing it through; the dead-letter views are untouched (they select named
-- columns, so the new column changes nothing for them).
--
-- No event is lost while the views are re-created: the parse view is dropped first, and a
-- Kafka engine table with no dependent view simply stops consuming; it resumes from its
-- committed offsets once the parse view exists again (created last). A block read but not
-- yet committed when the view went away is read again: at-least-once, and the facts
-- deduplicate by event_id. Every statement is safe to repeat, so a run that failed
-- half-way re-runs from the start.

-- user_logins: stop the queue, widen the parsed stream and the fact, re-create both views.
DROP VIEW IF EXISTS user_logins_parse_mv SYNC;

ALTER TABLE user_logins_parsed ADD COLUMN IF NOT EXISTS trace_parent String DEFAULT '';

ALTER TABLE user_logins ADD COLUMN IF NOT EXISTS trace_parent String DEFAULT ''
    COMMENT 'W3C traceparent from the Kafka message headers; empty when the producer traced nothing';

DROP VIEW IF EXISTS user_logins_mv SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_mv TO user_logins AS
SELECT
    toFixedString(event_id, 26) AS event_id, account_id,
    CAST(outcome, 'Enum8(\'success\' = 1, \'bad_password\' = 2, \'bad_mfa\' = 3, \'locked\' = 4, \'blocked\' = 5)') AS outcome,
    toIPv6(ip) AS ip, user_agent, ifNull(device_id, '') AS device_id,
    ifNull(geo_country, '') AS geo_country, ifNull(geo_city, '') AS geo_city,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset, trace_parent
FROM user_logins_parsed
WHERE error = '';

-- Last: with this view back, user_logins_queue resumes from its committed offsets.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_logins_parse_mv TO user_logins_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    account_id, ip, user_agent, device_id, geo_country, geo_city, outcome,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    _headers.value[indexOf(_headers.name, 'traceparent')] AS trace_parent,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        type != 'user.login', concat('type: expected "user.login", got "', type, '"'),
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        isNull(toIPv6OrNull(ip)), concat('ip: an IPv4 or IPv6 address is required, got "', ip, '"'),
        lengthUTF8(user_agent) > 512, 'user_agent: at most 512 characters',
        device_id IS NOT NULL AND NOT match(device_id, '^.{1,128}$'), 'device_id: 1 to 128 characters required',
        geo_country IS NOT NULL AND NOT match(geo_country, '^[A-Z]{2}$'), concat('geo_country: an ISO 3166-1 alpha-2 code is required, got "', geo_country, '"'),
        geo_city IS NOT NULL AND NOT match(geo_city, '^.{1,128}$'), 'geo_city: 1 to 128 characters required',
        outcome NOT IN ('success', 'bad_password', 'bad_mfa', 'locked', 'blocked'), concat('outcome: expected success, bad_password, bad_mfa, locked or blocked, got "', outcome, '"'),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM user_logins_queue;

-- user_funds: stop the queue, widen the parsed stream and the fact, re-create both views.
DROP VIEW IF EXISTS user_funds_parse_mv SYNC;

ALTER TABLE user_funds_parsed ADD COLUMN IF NOT EXISTS trace_parent String DEFAULT '';

ALTER TABLE user_funds ADD COLUMN IF NOT EXISTS trace_parent String DEFAULT ''
    COMMENT 'W3C traceparent from the Kafka message headers; empty when the producer traced nothing';

DROP VIEW IF EXISTS user_funds_mv SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_mv TO user_funds AS
SELECT
    toFixedString(event_id, 26) AS event_id, account_id,
    CAST(if(type = 'user.deposit', 'deposit', 'withdrawal'), 'Enum8(\'deposit\' = 1, \'withdrawal\' = 2)') AS direction,
    transfer_id,
    CAST(status, 'Enum8(\'requested\' = 1, \'pending\' = 2, \'approved\' = 3, \'sent\' = 4, \'completed\' = 5, \'failed\' = 6, \'cancelled\' = 7, \'rejected\' = 8)') AS status,
    asset, ifNull(network, '') AS network, amount, address,
    ifNull(address_tag, '') AS address_tag, ifNull(tx_hash, '') AS tx_hash,
    fromUnixTimestamp64Milli(occurred_at, 'UTC') AS occurred_at,
    fromUnixTimestamp64Milli(produced_at, 'UTC') AS produced_at,
    source, schema_version, kafka_partition, kafka_offset, trace_parent
FROM user_funds_parsed
WHERE error = '';

-- Last: with this view back, user_funds_queue resumes from its committed offsets.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_funds_parse_mv TO user_funds_parsed AS
SELECT
    event_id, type, source, schema_version, occurred_at, produced_at,
    transfer_id, account_id, asset, network, amount, address, address_tag, tx_hash, status,
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,
    _headers.value[indexOf(_headers.name, 'traceparent')] AS trace_parent,
    multiIf(
        length(_error) > 0, concat('invalid JSON: ', trimRight(_error)),
        type NOT IN ('user.deposit', 'user.withdrawal'), concat('type: expected "user.deposit" or "user.withdrawal", got "', type, '"'),
        NOT match(event_id, '^[0-9A-HJKMNP-TV-Z]{26}$'), 'event_id: a 26-character ULID is required',
        schema_version != 1, concat('schema_version: expected 1, got ', toString(schema_version)),
        NOT match(source, '^.{1,64}$'), 'source: 1 to 64 characters required',
        NOT match(transfer_id, '^[!-~]{1,64}$'), 'transfer_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(account_id, '^[!-~]{1,64}$'), 'account_id: 1 to 64 printable ASCII characters without spaces required',
        NOT match(asset, '^[A-Z0-9]{2,20}$'), concat('asset: an upper-case asset is required, got "', asset, '"'),
        network IS NOT NULL AND NOT match(network, '^[A-Z0-9_]{2,20}$'), concat('network: an upper-case network is required, got "', network, '"'),
        NOT (isFinite(amount) AND amount > 0), concat('amount: a positive number is required, got ', toString(amount)),
        NOT match(address, '^[!-~]{1,128}$'), 'address: 1 to 128 printable ASCII characters without spaces required',
        address_tag IS NOT NULL AND NOT match(address_tag, '^.{1,64}$'), 'address_tag: 1 to 64 characters required',
        tx_hash IS NOT NULL AND NOT match(tx_hash, '^.{1,128}$'), 'tx_hash: 1 to 128 characters required',
        status NOT IN ('requested', 'pending', 'approved', 'sent', 'completed', 'failed', 'cancelled', 'rejected'), concat('status: expected requested, pending, approved, sent, completed, failed, cancelled or rejected, got "', status, '"'),
        occurred_at NOT BETWEEN 946684800000 AND 4102444799999, concat('occurred_at: epoch milliseconds in 2000..2099 required, got ', toString(occurred_at)),
        produced_at NOT BETWEEN 946684800000 AND 4102444799999, concat('produced_at: epoch milliseconds in 2000..2099 required, got ', toString(produced_at)),
        ''
    ) AS error
FROM user_funds_queue;

-- alerts: the trace of the event that made the rule true (a rule that carries it declares
-- `-- traced: true`; the others leave the default), for the notifier's delivery spans.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS trace_parent String DEFAULT ''
    COMMENT 'W3C traceparent of the triggering event; empty when the rule carries none';

-- alerts_current selects a.*, which ClickHouse expands when the view is created: the same
-- definition as 0090, replaced in place (readers and the rule views never see it missing)
-- so that it carries trace_parent.
CREATE OR REPLACE VIEW alerts_current AS
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
