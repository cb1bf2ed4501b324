import { renderTopic } from '../clickhouse/schema/render.js';
import { type ClickHouseClient, queryNumber } from '../lib/clickhouse/client.js';
import { migrationVariables } from '../lib/clickhouse/platform-migrations.js';
import type { Config } from '../lib/config/config.js';
import { storage } from '../lib/contracts/storage.js';
import { type TopicKey, topics } from '../lib/contracts/topics.js';
import { waitFor } from '../lib/time.js';
import type { MixTopic } from './event-mix.js';
import { processCpuMs } from './report.js';

/**
 * Variants of the Kafka → fact chain, measured side by side on one warehouse: each round
 * re-creates every Kafka table and parse view of the mix as the variant renders them (same
 * consumer groups, so the committed offsets stay), fills the topics with the same events
 * again, and times from the parse views' creation until pipeline_events_1m has counted them
 * all. Rounds alternate the variants, so a load that comes and goes on the machine touches
 * each of them alike. A variant is a rewrite of the generator's own SQL (render.ts), so
 * what is measured is what `schema:generate` would write.
 */
export interface ChainVariant {
  readonly name: string;
  /** Rewrites one topic's rendered Kafka table. */
  readonly queue?: (sql: string) => string;
  /** Rewrites one topic's rendered parse view. */
  readonly parse?: (sql: string) => string;
  /** MergeTree settings of the Kafka-fed tables (facts, dead_letters) during the variant. */
  readonly factSettings?: Readonly<Record<string, number>>;
}

const setting = (name: string, value: number | string) => (sql: string) =>
  sql.replace(new RegExp(`${name} = [^,\\n]+`), `${name} = ${value}`);
const FSYNC_ON = { fsync_after_insert: 1, fsync_part_directory: 1 };

/** What the issue asks to compare, each against the chain as rendered today. */
export const VARIANTS: readonly ChainVariant[] = [
  { name: 'as rendered' },
  {
    name: 'no fsync (facts, dead_letters)',
    factSettings: { fsync_after_insert: 0, fsync_part_directory: 0 },
  },
  { name: 'kafka_max_block_size 262144', queue: setting('kafka_max_block_size', 262144) },
  { name: 'kafka_max_block_size 16384', queue: setting('kafka_max_block_size', 16384) },
  { name: 'kafka_flush_interval_ms 3000', queue: setting('kafka_flush_interval_ms', 3000) },
  {
    name: '2 consumers, thread per consumer',
    queue: (sql) =>
      setting(
        'kafka_num_consumers',
        2,
      )(sql).replace(
        'kafka_num_consumers = 2,',
        'kafka_num_consumers = 2,\n    kafka_thread_per_consumer = 1,',
      ),
  },
  {
    // Measures the window's cost only: without it a multi-row message is not refused.
    name: 'no window function (unsafe)',
    parse: (sql) => sql.replace(/(count|row_number)\(\) OVER \(PARTITION BY _partition, _offset\)/g, '1'),
  },
];

export interface VariantFigure {
  variant: string;
  round: number;
  ms: number;
  rowsPerSecond: number;
  parts: number;
  /** CPU the ClickHouse host and the broker used per event while the variant ran, µs. */
  hostCpuUsPerEvent?: number;
  brokerCpuUsPerEvent?: number;
}

/** The processes whose CPU is counted (undefined: not on this machine). */
export interface StackPids {
  clickhouse?: number;
  kafka?: number;
}

interface Chain {
  batch: MixTopic;
  topic: string;
  facts: string;
  queue: string;
  parse: string;
}

function chainsOf(config: Config, batches: readonly MixTopic[]): Chain[] {
  const variables = migrationVariables(config);
  const fill = (sql: string) => sql.replace(/\$\{(\w+)\}/g, (_, name: string) => variables[name] ?? '');
  return batches.map((batch) => {
    const key = (Object.keys(storage) as TopicKey[]).find((k) => storage[k].fact === batch.table);
    const spec = key && topics[key];
    if (!key || !spec?.contract) throw new Error(`no storage entry renders ${batch.table}`);
    const objects = renderTopic({ topic: spec.name, contract: spec.contract, storage: storage[key] });
    const sqlOf = (name: string) => fill(objects.find((o) => o.name === name)?.sql ?? '');
    return {
      batch,
      topic: `${config.KAFKA_TOPIC_PREFIX}${spec.name}`,
      facts: batch.table,
      queue: sqlOf(`${batch.table}_queue`),
      parse: sqlOf(`${batch.table}_parse_mv`),
    };
  });
}

const eventsOf = (clickhouse: ClickHouseClient, topic: string) =>
  queryNumber(clickhouse, 'SELECT sum(events) FROM pipeline_events_1m WHERE topic = {topic:String}', {
    topic,
  });

const activeParts = (clickhouse: ClickHouseClient) =>
  queryNumber(
    clickhouse,
    "SELECT count() FROM system.parts WHERE database = currentDatabase() AND active AND table NOT LIKE '%1m%'",
  );

/** Until no merge has run in this database for two polls in a row (at most 60 s). */
async function settleMerges(clickhouse: ClickHouseClient): Promise<void> {
  let quiet = 0;
  await waitFor(
    'merges to settle',
    async () => {
      const running = await queryNumber(
        clickhouse,
        'SELECT count() FROM system.merges WHERE database = currentDatabase()',
      );
      quiet = running === 0 ? quiet + 1 : 0;
      return quiet >= 2 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(() => undefined);
}

/** Re-creates every Kafka table as `variant` renders it, its parse view left out (nothing is read). */
async function install(clickhouse: ClickHouseClient, chains: readonly Chain[], variant: ChainVariant) {
  for (const c of chains) {
    await clickhouse.command({ query: `DROP VIEW IF EXISTS ${c.facts}_parse_mv SYNC` });
    await clickhouse.command({ query: `DROP TABLE IF EXISTS ${c.facts}_queue SYNC` });
    await clickhouse.command({ query: variant.queue ? variant.queue(c.queue) : c.queue });
  }
  const settings = Object.entries(variant.factSettings ?? FSYNC_ON)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');
  for (const table of [...chains.map((c) => c.facts), 'dead_letters']) {
    await clickhouse.command({ query: `ALTER TABLE ${table} MODIFY SETTING ${settings}` });
  }
}

async function runVariant(
  clickhouse: ClickHouseClient,
  chains: readonly Chain[],
  variant: ChainVariant,
  send: (batch: MixTopic) => Promise<void>,
  pids: StackPids,
): Promise<Omit<VariantFigure, 'variant' | 'round' | 'rowsPerSecond'> & { rows: number }> {
  await install(clickhouse, chains, variant);
  const before = new Map<string, number>();
  for (const c of chains) before.set(c.topic, await eventsOf(clickhouse, c.topic));
  for (const c of chains) await send(c.batch);
  const partsBefore = await activeParts(clickhouse);
  await settleMerges(clickhouse);
  const cpuBefore = [processCpuMs(pids.clickhouse), processCpuMs(pids.kafka)];
  const started = performance.now();
  for (const c of chains) {
    await clickhouse.command({ query: variant.parse ? variant.parse(c.parse) : c.parse });
  }
  for (const c of chains) {
    const target = (before.get(c.topic) ?? 0) + c.batch.events.length;
    await waitFor(
      `${c.topic} ingested (${variant.name})`,
      async () => ((await eventsOf(clickhouse, c.topic)) >= target ? true : undefined),
      { timeoutMs: 300_000, intervalMs: 100 },
    );
  }
  const ms = performance.now() - started;
  // The merges its parts set off are part of a variant's cost (block size decides how many).
  await settleMerges(clickhouse);
  const cpuAfter = [processCpuMs(pids.clickhouse), processCpuMs(pids.kafka)];
  const rows = chains.reduce((n, c) => n + c.batch.events.length, 0);
  const perEvent = (i: number) => {
    const [before, after] = [cpuBefore[i], cpuAfter[i]];
    return before === undefined || after === undefined ? undefined : ((after - before) * 1000) / rows;
  };
  const parts = (await activeParts(clickhouse)) - partsBefore;
  return { ms, rows, parts, hostCpuUsPerEvent: perEvent(0), brokerCpuUsPerEvent: perEvent(1) };
}

/**
 * Every variant `rounds` times, alternating, on a warehouse whose Kafka tables already hold a
 * committed position (waitForConsumers). Leaves the chain as rendered, fsync on.
 */
export async function measureVariants(options: {
  clickhouse: ClickHouseClient;
  config: Config;
  batches: readonly MixTopic[];
  send: (batch: MixTopic) => Promise<void>;
  variants?: readonly ChainVariant[];
  rounds: number;
  pids?: StackPids;
  progress?: (line: string) => void;
}): Promise<VariantFigure[]> {
  const chains = chainsOf(options.config, options.batches);
  const variants = options.variants ?? VARIANTS;
  const figures: VariantFigure[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const variant of variants) {
      const { rows, ...run } = await runVariant(
        options.clickhouse,
        chains,
        variant,
        options.send,
        options.pids ?? {},
      );
      const rowsPerSecond = Math.round(rows / (run.ms / 1000));
      figures.push({ variant: variant.name, round, rowsPerSecond, ...run });
      options.progress?.(
        `variants: round ${round} ${variant.name}: ${rowsPerSecond} rows/s, ClickHouse ${run.hostCpuUsPerEvent?.toFixed(1)} µs CPU/event, ${run.parts} parts`,
      );
    }
  }
  await install(options.clickhouse, chains, { name: 'as rendered' });
  for (const c of chains) await options.clickhouse.command({ query: c.parse });
  return figures;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

/** Per variant: median rows/s and ClickHouse CPU per event, each as a ratio to the first variant's. */
export function variantTable(figures: readonly VariantFigure[]): string[] {
  const names = [...new Set(figures.map((f) => f.variant))];
  const rows = names.map((name) => {
    const runs = figures.filter((f) => f.variant === name);
    const cpu = runs.flatMap((f) => (f.hostCpuUsPerEvent === undefined ? [] : [f.hostCpuUsPerEvent]));
    return {
      name,
      runs,
      rows: median(runs.map((f) => f.rowsPerSecond)),
      cpu: cpu.length ? median(cpu) : NaN,
    };
  });
  const [base] = rows;
  return [
    `   ${'variant'.padEnd(36)} ${'rows/s'.padStart(9)}  ratio  ${'CH µs CPU/ev'.padStart(12)}  ratio  runs (rows/s)`,
    ...rows.map(
      (r) =>
        `   ${r.name.padEnd(36)} ${r.rows.toLocaleString('en').padStart(9)}  ${(r.rows / (base?.rows ?? 1)).toFixed(2).padStart(4)}x  ${r.cpu.toFixed(1).padStart(12)}  ${(r.cpu / (base?.cpu ?? 1)).toFixed(2).padStart(4)}x  ${r.runs.map((f) => f.rowsPerSecond.toLocaleString('en')).join(' / ')}`,
    ),
  ];
}
