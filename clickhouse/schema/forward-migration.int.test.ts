import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClickHouseClient,
  createClickHouse,
  queryNumber,
  queryRows,
} from '../../lib/clickhouse/client.js';
import { migrate } from '../../lib/clickhouse/migrations.js';
import {
  BASELINE_DIR,
  MIGRATIONS_DIR,
  migrationVariables,
} from '../../lib/clickhouse/platform-migrations.js';
import type { Config } from '../../lib/config/config.js';
import { brokerTopics } from '../../lib/contracts/topics.js';
import type { TradewatchError } from '../../lib/errors.js';
import { createKafka } from '../../lib/kafka/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../../lib/kafka/topics.js';
import { waitFor } from '../../lib/time.js';
import { isolatedConfig, testLog } from '../../test/pipeline-fixture.js';
import { retiredFiles, writeMigrationHistory } from '../../test/retired-migrations.js';
import { datasetBatches, warehouseDataset } from '../../test/warehouse-data.js';
import { readSnapshot } from './generate.js';
import { liveDifferences } from './live-schema.js';

/**
 * A warehouse that ran 0001–0140 and ingested events moves to the generated schema (the
 * release that had 0160–0253, then the folder as it ships) with its data and its consumers' offsets: events produced before are not read again and
 * events produced after are read once — counted without FINAL, so a re-read would show.
 * Then the live tables and views are compared with the snapshot.
 */
/** The migration files the folder ships (after the baseline's last squashed file). */
const shippedFiles = () => readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));

describe('forward migration to the generated schema', () => {
  let config: Config;
  let clickhouse: ClickHouseClient;
  let producer: EventProducer;
  let legacyDir: string;

  const run = (dir: string, baselineDir?: string) =>
    migrate({
      settings: config,
      database: config.CLICKHOUSE_DATABASE,
      dir,
      variables: migrationVariables(config),
      log: testLog,
      ...(baselineDir === undefined ? {} : { baselineDir }),
    });

  const produceDataset = async (seed: number) => {
    const data = warehouseDataset(seed);
    const outcomes = await Promise.all(
      datasetBatches(data).map(([spec, events]) => producer.produce(spec, events)),
    );
    expect(outcomes.flatMap((o) => o.rejected)).toEqual([]);
    return {
      market_trades: data.trades.length,
      market_book_l1: data.books.length,
      engine_orders: data.orders.length,
      engine_executions: data.executions.length,
      user_logins: data.logins.length,
      user_funds: data.funds.length,
      social_mentions: data.mentions.length,
    };
  };

  /** Raw broken messages: they must reach dead_letters exactly once each. */
  const produceBroken = async (n: number) => {
    const kafka = createKafka(config, testLog);
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: `${config.KAFKA_TOPIC_PREFIX}market.trades`,
      messages: Array.from({ length: n }, (_, i) => ({ key: 'x', value: `{"broken": ${i}` })),
    });
    await raw.disconnect();
  };

  const waitForExact = async (expected: Record<string, number>, deadLetters: number) => {
    const query = Object.keys(expected)
      .map((table) => `(SELECT count() FROM ${table}) AS ${table}`)
      .join(', ');
    const seen = await waitFor(
      'every fact and dead_letters to reach the produced counts',
      async () => {
        const [row] = await queryRows<Record<string, string>>(
          clickhouse,
          `SELECT ${query}, (SELECT count() FROM dead_letters) AS dead_letters`,
        );
        const done =
          row &&
          Object.entries(expected).every(([t, n]) => Number(row[t]) >= n) &&
          Number(row.dead_letters) >= deadLetters;
        return done ? row : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    // Give a re-read, if there were one, time to land before counting exactly.
    await new Promise((r) => setTimeout(r, 3 * config.KAFKA_ENGINE_FLUSH_INTERVAL_MS + 1000));
    const [row] = await queryRows<Record<string, string>>(
      clickhouse,
      `SELECT ${query}, (SELECT count() FROM dead_letters) AS dead_letters`,
    );
    return { seen, row: Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)])) };
  };

  beforeAll(async () => {
    config = isolatedConfig();
    legacyDir = mkdtempSync(join(tmpdir(), 'tradewatch-legacy-migrations-'));
    // 0001–0140 left the tree for the baseline; the fixture is those files as deployments applied them.
    writeMigrationHistory(legacyDir, { upTo: 140 });
    const kafka = createKafka(config, testLog);
    await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, brokerTopics));
    producer = await EventProducer.connect(kafka, config, testLog);
    clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
  });

  afterAll(async () => {
    await producer?.close();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.CLICKHOUSE_DATABASE} SYNC` });
    await clickhouse?.close();
    rmSync(legacyDir, { recursive: true, force: true });
  });

  it('keeps data and offsets: nothing re-read, nothing counted twice', async () => {
    const legacy = await run(legacyDir);
    expect(legacy.applied.at(-1)).toBe('0140_strict_topic_parsing.sql');
    // The tables 0200 keeps as they are must be what the snapshot says they are. (The
    // producer dead-letter queues are new in 0201, and topics added since 0140 have no chain
    // in a 0140-era database: neither is there yet.)
    const legacySql = readdirSync(legacyDir)
      .map((f) => readFileSync(join(legacyDir, f), 'utf8'))
      .join('\n');
    // Objects a generated migration after 0210 changed (an Enum widened, say) are what that
    // migration makes them, not what 0140 left: the final comparison below covers them.
    const later = [
      ...retiredFiles(),
      ...shippedFiles().map((f) => [f, readFileSync(join(MIGRATIONS_DIR, f), 'utf8')]),
    ];
    const changedLater = new Set(
      later
        .filter(([f]) => Number(f?.slice(0, 4)) > 210)
        .flatMap(([, sql]) => [
          ...(sql as string).matchAll(
            /^(?:ALTER TABLE|CREATE (?:OR REPLACE )?(?:TABLE|MATERIALIZED VIEW|VIEW)(?: IF NOT EXISTS)?) ([a-z0-9_]+)/gm,
          ),
        ])
        .map((m) => m[1] as string),
    );
    const kept = readSnapshot().filter(
      (o) =>
        !o.name.endsWith('_dlq_queue') &&
        !changedLater.has(o.name) &&
        new RegExp(`\\b${o.chain}\\b`).test(legacySql),
    );
    expect(kept.length).toBeGreaterThan(30);
    expect(await liveDifferences(clickhouse, config, kept, ['fact', 'parsed', 'queue'])).toEqual([]);

    const before = await produceDataset(1);
    await produceBroken(3);
    const first = await waitForExact(before, 3);
    expect(first.row).toEqual({ ...before, dead_letters: 3 });
    const deliveredBefore = await queryNumber(clickhouse, 'SELECT sum(events) FROM pipeline_events_1m');

    // The folder as it ships has retired 0160–0253 too: it refuses this history, changing nothing…
    const refused = await run(MIGRATIONS_DIR, BASELINE_DIR).catch((e: unknown) => e);
    expect((refused as TradewatchError).code).toBe('MIGRATION_INVALID');
    expect((refused as Error).message).toMatch(/0160_console\.sql, .*are not applied/);
    // …so the release that had them runs first (docs/schema.md, "Retired migrations"): 0160–0253 file by file.
    writeMigrationHistory(legacyDir);
    const release = await run(legacyDir);
    expect(release.applied).toEqual([...retiredFiles().keys()].filter((f) => Number(f.slice(0, 4)) > 140));
    // Then the folder as it ships: the retired files are gone, their checksums are in the manifest.
    const forward = await run(MIGRATIONS_DIR, BASELINE_DIR);
    expect(forward.fromBaseline).toBeUndefined();
    expect(forward.applied).toEqual(shippedFiles());

    const after = await produceDataset(2);
    await produceBroken(2);
    const total = Object.fromEntries(
      Object.entries(before).map(([t, n]) => [t, n + (after[t as keyof typeof after] ?? 0)]),
    );
    const second = await waitForExact(total, 5);
    expect(second.row).toEqual({ ...total, dead_letters: 5 });
    const afterEvents = Object.values(after).reduce((a, b) => a + b, 0);
    expect(await queryNumber(clickhouse, 'SELECT sum(events) FROM pipeline_events_1m')).toBe(
      deliveredBefore + afterEvents,
    );
    // Two migrations and two ingests: minutes on a busy two-core machine.
  }, 600_000);

  it('leaves live tables and views equal to the snapshot', async () => {
    expect(await liveDifferences(clickhouse, config, readSnapshot())).toEqual([]);
  });
});
