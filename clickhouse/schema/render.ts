import type { WarehouseContract } from '../../lib/contracts/contract.js';
import { type FieldSql, sqlString } from '../../lib/contracts/fields.js';
import { type FactColumn, STANDARD_COLUMNS, type TopicStorage } from '../../lib/contracts/storage.js';

/**
 * Renders one topic's whole chain from its contract and storage entry, as the objects
 * 0003–0140 wrote by hand:
 *   <fact>_queue (Kafka) → <fact>_parse_mv → <fact>_parsed (Null: checks, no storage)
 *     ├─ <fact>_mv     → <fact>          rows that pass the contract
 *     ├─ <fact>_dlq_mv → dead_letters    broken JSON and contract violations, with the reason
 *     └─ pipeline_events_1m_<fact>_mv    (from the fact) rows per topic, source and minute
 * `${NAME}` placeholders stay in the SQL; the migration runner fills them.
 */

export type ObjectKind = 'fact' | 'parsed' | 'queue' | 'view' | 'consumer';

export interface SchemaObject {
  readonly name: string;
  readonly kind: ObjectKind;
  /** The chain it belongs to (the fact table's name): a change stops that chain's consumer. */
  readonly chain: string;
  readonly sql: string;
  /** Fact tables: each column's definition, so a change can be an ALTER rather than a rebuild. */
  readonly columns?: ReadonlyArray<readonly [string, string]>;
  readonly settings?: string;
}

export interface TopicInput {
  readonly topic: string;
  readonly contract: WarehouseContract;
  readonly storage: TopicStorage;
}

const indent = (lines: readonly string[], by = '    ') => lines.map((line) => `${by}${line}`).join(',\n');
const KAFKA_COLUMNS = [
  'topic String',
  'kafka_partition UInt64',
  'kafka_offset UInt64',
  'kafka_key String',
  'raw_message String',
  'error String',
];
const WHOLE = (c: string) =>
  `if(${c} IS NOT NULL AND NOT (isFinite(${c}) AND ${c} = floor(${c}) AND abs(${c}) <= 9007199254740991), '${c}', '')`;
// Fact tables are fsynced before the Kafka engine commits the offsets of a block (0130).
const FACT_SETTINGS = 'ttl_only_drop_parts = 1, fsync_after_insert = 1, fsync_part_directory = 1';

function fieldsOf(input: TopicInput): Array<[string, FieldSql]> {
  return Object.entries(input.contract.fields).map(([name, field]) => [name, field.sql]);
}

function factColumns(input: TopicInput): Array<[string, FactColumn]> {
  const fields = input.contract.fields;
  const columns = input.storage.columns.map((entry): [string, FactColumn] => {
    const [name, override] = typeof entry === 'string' ? [entry, {}] : entry;
    const field = fields[name]?.sql.fact;
    const base: FactColumn | undefined = field
      ? { type: field.type, codec: field.codec, select: field.select(name) }
      : STANDARD_COLUMNS[name];
    if (!base && !override.type) {
      throw new Error(
        `storage of ${input.topic}: column ${name} is neither a contract field, a standard column nor fully defined`,
      );
    }
    return [name, { ...base, ...override } as FactColumn];
  });
  if (input.storage.traceParent)
    columns.push(['trace_parent', { type: 'String', default: "''", select: 'trace_parent' }]);
  return columns;
}

const columnSql = ([name, c]: [string, FactColumn]) =>
  [
    `${name} ${c.type}`,
    c.default ? `DEFAULT ${c.default}` : '',
    c.materialized ? `MATERIALIZED ${c.materialized}` : '',
    c.codec ? `CODEC(${c.codec})` : '',
  ]
    .filter(Boolean)
    .join(' ');

function renderFact(input: TopicInput): SchemaObject {
  const s = input.storage;
  const columns = factColumns(input).map((column) => [column[0], columnSql(column)] as const);
  const sql = `CREATE TABLE IF NOT EXISTS ${s.fact}
(
${indent([...columns.map(([, sql]) => sql), ...(s.indexes ?? [])])}
)
ENGINE = ReplacingMergeTree(${s.version})
PARTITION BY ${s.partitionBy}
ORDER BY (${s.orderBy.join(', ')})
TTL toDateTime(${s.ttl}) + INTERVAL \${FACT_TTL_DAYS} DAY
SETTINGS ${FACT_SETTINGS}`;
  return { name: s.fact, kind: 'fact', chain: s.fact, sql, columns, settings: FACT_SETTINGS };
}

function renderQueue(input: TopicInput): SchemaObject {
  const s = input.storage;
  const blockSize = s.maxBlockSize === undefined ? 65536 : s.maxBlockSize;
  const sql = `CREATE TABLE IF NOT EXISTS ${s.fact}_queue
(
${indent(fieldsOf(input).map(([name, f]) => `${name} ${f.queue}`))}
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '\${KAFKA_BROKERS}',
    kafka_topic_list = '\${KAFKA_TOPIC_PREFIX}${input.topic}',
    kafka_group_name = '\${KAFKA_GROUP_PREFIX}${s.group}',
    kafka_format = 'JSONEachRow',
    -- One consumer per table: every table shares the same two cores.
    kafka_num_consumers = 1,
${blockSize === null ? '' : `    -- Large blocks at high rates, seconds-level freshness at low rates.\n    kafka_max_block_size = ${blockSize},\n`}    kafka_flush_interval_ms = \${KAFKA_ENGINE_FLUSH_INTERVAL_MS},
    -- Broken messages become rows with _error and _raw_message instead of stalling the consumer.
    kafka_handle_error_mode = 'stream',
    -- A producer that adds a field must not break ingestion of the fields we know.
    input_format_skip_unknown_fields = 1,
    -- Strict JSON (0140): a value of the wrong JSON type is an error naming its key.
    input_format_json_read_numbers_as_strings = 0,
    input_format_json_read_bools_as_numbers = 0,
    input_format_json_read_bools_as_strings = 0,
    input_format_json_read_objects_as_strings = 0,
    input_format_json_read_arrays_as_strings = 0,
    input_format_null_as_default = 0,
    input_format_force_null_for_omitted_fields = 1`;
  return { name: `${s.fact}_queue`, kind: 'queue', chain: s.fact, sql };
}

function renderParsed(input: TopicInput): SchemaObject {
  const s = input.storage;
  const columns = [
    ...fieldsOf(input).map(([name, f]) => `${name} ${f.parsed}`),
    ...KAFKA_COLUMNS,
    ...(s.traceParent ? ["trace_parent String DEFAULT ''"] : []),
  ];
  const sql = `CREATE TABLE IF NOT EXISTS ${s.fact}_parsed
(
${indent(columns)}
)
ENGINE = Null`;
  return { name: `${s.fact}_parsed`, kind: 'parsed', chain: s.fact, sql };
}

function renderParseView(input: TopicInput): SchemaObject {
  const s = input.storage;
  const fields = fieldsOf(input);
  const numbers = fields.filter(([, f]) => f.queue.startsWith('Nullable(Float64)'));
  const required = numbers.filter(([, f]) => !f.optional);
  const wholes = numbers.filter(([, f]) => f.whole);
  const replace = numbers.flatMap(([name, f]) => {
    if (f.whole) {
      return f.optional
        ? [`accurateCastOrNull(${name}, 'Int64') AS ${name}`]
        : [`accurateCastOrDefault(ifNull(${name}, 0), 'Int64') AS ${name}`];
    }
    return f.optional ? [] : [`ifNull(${name}, 0) AS ${name}`];
  });
  const checks = [
    "length(_error) > 0, concat('invalid JSON: ', trimRight(_error))",
    "rows_in_message > 1, concat('(event): one message must hold one JSON object, this one holds ', toString(rows_in_message), ' rows')",
    ...(required.length
      ? ["null_numbers != '', concat(null_numbers, ': a number is required, got null or nothing')"]
      : []),
    ...(wholes.length
      ? [
          "bad_whole_numbers != '', concat(bad_whole_numbers, ': a whole number between -2^53 and 2^53 is required')",
        ]
      : []),
    ...fields.map(([name, f]) => `${f.refuse(name)}, concat(${sqlString(`${name}: `)}, ${f.reason(name)})`),
    ...input.contract.rules.map(
      (rule) => `${rule.sql}, concat(${sqlString(`${rule.field}: `)}, ${rule.sqlMessage})`,
    ),
    "''",
  ];
  const listOf = (names: string[]) =>
    `arrayStringConcat(arrayFilter(name -> name != '', [${names.join(', ')}]), ', ')`;
  const sql = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.fact}_parse_mv TO ${s.fact}_parsed AS
SELECT
    ${fields.map(([name]) => name).join(', ')},
    _topic AS topic, _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key,
    _raw_message AS raw_message,${s.traceParent ? "\n    _headers.value[indexOf(_headers.name, 'traceparent')] AS trace_parent," : ''}
    multiIf(
${indent(checks, '        ').replace(/,\n/g, ',\n')}
    ) AS error
FROM
(
    -- Numbers made fit for the Null table (it takes no NULL, and integers there), once the
    -- inner query has named the null and the broken ones for the checks above.
    SELECT *${replace.length ? ` REPLACE (${replace.join(', ')})` : ''}
    FROM
    (
        SELECT *, _topic, _partition, _offset, _key, _raw_message, _error, _headers.name, _headers.value,
            ${listOf(required.map(([name]) => `if(isNull(${name}), '${name}', '')`))} AS null_numbers,
            ${listOf(wholes.map(([name]) => WHOLE(name)))} AS bad_whole_numbers,
            -- JSONEachRow reads a JSON array or several lines of one message as several rows:
            -- the first stands for the message (dead-lettered, with the count), the rest are dropped.
            count() OVER (PARTITION BY _partition, _offset) AS rows_in_message,
            row_number() OVER (PARTITION BY _partition, _offset) AS row_in_message
        FROM ${s.fact}_queue
    )
    WHERE row_in_message = 1
)`;
  return { name: `${s.fact}_parse_mv`, kind: 'consumer', chain: s.fact, sql };
}

function renderViews(input: TopicInput): SchemaObject[] {
  const s = input.storage;
  const written = factColumns(input).filter(([name, c]) => !c.materialized && name !== 'ingested_at');
  const fact = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.fact}_mv TO ${s.fact} AS
SELECT
${indent(written.map(([name, c]) => (c.select === name ? name : `${c.select} AS ${name}`)))}
FROM ${s.fact}_parsed
WHERE error = ''`;
  const dlq = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${s.fact}_dlq_mv TO dead_letters AS
SELECT
    topic, kafka_partition, kafka_offset, kafka_key, error,
    -- Broken JSON keeps its exact bytes; a parsed-but-invalid row is re-serialised as read.
    if(length(raw_message) > 0, raw_message, formatRowNoNewline('JSONEachRow',
        ${Object.keys(input.contract.fields).join(', ')})) AS raw_message,
    '${s.fact}_queue' AS consumer
FROM ${s.fact}_parsed
WHERE error != ''`;
  // Counts deliveries as they are written (0063): a redelivered message counts again.
  const health = `CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_events_1m_${s.fact}_mv TO pipeline_events_1m AS
SELECT '\${KAFKA_TOPIC_PREFIX}${input.topic}' AS topic, source, toStartOfMinute(ingested_at) AS minute,
       count() AS events, max(occurred_at) AS last_occurred_at, max(ingested_at) AS last_ingested_at,
       max(dateDiff('millisecond', occurred_at, ingested_at)) AS max_delay_ms
FROM ${s.fact} GROUP BY source, minute`;
  return [
    { name: `${s.fact}_mv`, kind: 'view', chain: s.fact, sql: fact },
    { name: `${s.fact}_dlq_mv`, kind: 'view', chain: s.fact, sql: dlq },
    { name: `pipeline_events_1m_${s.fact}_mv`, kind: 'view', chain: s.fact, sql: health },
  ];
}

/**
 * Events our producers refused (EventProducer, the collector) sit on `<topic>.dlq` with the
 * reason in a header; this chain brings them into dead_letters beside the warehouse's own
 * refusals, so one table shows all that was refused. `consumer` says who refused it:
 * `<fact>_dlq_queue` is a producer, `<fact>_queue` the warehouse. The bytes are kept as
 * they were sent (RawBLOB: not parsed, so nothing in them can break this consumer).
 */
export function renderProducerDeadLetters(topic: string, fact: string): SchemaObject[] {
  const chain = `${fact}_dlq`;
  const queue = `CREATE TABLE IF NOT EXISTS ${chain}_queue
(
    raw_message String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '\${KAFKA_BROKERS}',
    kafka_topic_list = '\${KAFKA_TOPIC_PREFIX}${topic}.dlq',
    kafka_group_name = '\${KAFKA_GROUP_PREFIX}${chain}',
    kafka_format = 'RawBLOB',
    kafka_num_consumers = 1,
    kafka_flush_interval_ms = \${KAFKA_ENGINE_FLUSH_INTERVAL_MS}`;
  const header = (name: string) => `_headers.value[indexOf(_headers.name, '${name}')]`;
  const consumer = `CREATE MATERIALIZED VIEW IF NOT EXISTS ${chain}_ingest_mv TO dead_letters AS
SELECT
    if(${header('dlq-topic')} != '', ${header('dlq-topic')}, replaceRegexpOne(_topic, '[.]dlq$', '')) AS topic,
    _partition AS kafka_partition, _offset AS kafka_offset, _key AS kafka_key, raw_message,
    if(${header('dlq-reason')} != '', ${header('dlq-reason')}, '(no dlq-reason header)') AS error,
    '${chain}_queue' AS consumer
FROM ${chain}_queue`;
  return [
    { name: `${chain}_queue`, kind: 'queue', chain, sql: queue },
    { name: `${chain}_ingest_mv`, kind: 'consumer', chain, sql: consumer },
  ];
}

/** Every object of one topic, in creation order (each consumer last: it starts reading). */
export function renderTopic(input: TopicInput): SchemaObject[] {
  return [
    renderFact(input),
    renderParsed(input),
    renderQueue(input),
    ...renderViews(input),
    renderParseView(input),
    ...renderProducerDeadLetters(input.topic, input.storage.fact),
  ];
}
