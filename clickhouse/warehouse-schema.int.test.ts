import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../lib/clickhouse/client.js';
import { preparePipeline } from '../stack/pipeline.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';

interface TableSpec {
  engine: string;
  sortingKey: string;
  partitionKey: string;
  /** The TTL expression as ClickHouse prints it, with the configured days. */
  ttl: (days: number) => string;
  lowCardinality: string[];
}

const byOccurredAt = (engine: string, sortingKey: string, lowCardinality: string[]): TableSpec => ({
  engine,
  sortingKey,
  partitionKey: 'toYYYYMMDD(occurred_at)',
  ttl: (d) => `toDateTime(occurred_at) + toIntervalDay(${d})`,
  lowCardinality,
});
const marketFact = byOccurredAt('ReplacingMergeTree', 'venue, symbol, occurred_at, event_id', [
  'venue',
  'symbol',
]);
const accountFact = byOccurredAt('ReplacingMergeTree', 'account_id, occurred_at, event_id', ['source']);

/** docs/warehouse.md's fact table, as the engine must report it. */
const FACTS: Record<string, TableSpec> = {
  market_trades: marketFact,
  market_book_l1: marketFact,
  market_depth: marketFact,
  market_mark: marketFact,
  market_liquidations: marketFact,
  market_open_interest: marketFact,
  market_integrity: marketFact,
  engine_orders: accountFact,
  engine_executions: byOccurredAt('ReplacingMergeTree', 'symbol, occurred_at, event_id', ['symbol']),
  user_logins: accountFact,
  user_funds: { ...accountFact, lowCardinality: ['asset', 'network'] },
  user_api_keys: accountFact,
  user_browser_actions: byOccurredAt('ReplacingMergeTree', 'account_id, session_id, occurred_at, event_id', [
    'action',
    'page',
  ]),
  social_mentions: byOccurredAt('ReplacingMergeTree', 'token, occurred_at, event_id', ['token', 'model']),
  dead_letters: {
    engine: 'MergeTree',
    sortingKey: 'topic, received_at',
    partitionKey: 'toYYYYMMDD(received_at)',
    ttl: (d) => `toDateTime(received_at) + toIntervalDay(${d})`,
    lowCardinality: ['topic', 'consumer'],
  },
};

const ROLLUPS: Record<string, TableSpec> = {
  market_1m: {
    engine: 'ReplacingMergeTree',
    sortingKey: 'venue, symbol, minute',
    partitionKey: 'toYYYYMMDD(minute)',
    ttl: (d) => `minute + toIntervalDay(${d})`,
    lowCardinality: ['venue', 'symbol'],
  },
  user_risk_daily: {
    engine: 'ReplacingMergeTree',
    sortingKey: 'account_id, day',
    partitionKey: 'toYYYYMM(day)',
    ttl: (d) => `day + toIntervalDay(${d})`,
    lowCardinality: [],
  },
  token_risk_5m: {
    engine: 'ReplacingMergeTree',
    sortingKey: 'token, bucket',
    partitionKey: 'toYYYYMMDD(bucket)',
    ttl: (d) => `bucket + toIntervalDay(${d})`,
    lowCardinality: ['token'],
  },
  pipeline_events_1m: {
    engine: 'AggregatingMergeTree',
    sortingKey: 'topic, minute, source',
    partitionKey: 'toYYYYMMDD(minute)',
    ttl: (d) => `minute + toIntervalDay(${d})`,
    lowCardinality: ['topic', 'source'],
  },
  pipeline_dead_letters_1m: {
    engine: 'AggregatingMergeTree',
    sortingKey: 'topic, minute, consumer',
    partitionKey: 'toYYYYMMDD(minute)',
    ttl: (d) => `minute + toIntervalDay(${d})`,
    lowCardinality: ['topic', 'consumer'],
  },
};

interface TableRow {
  name: string;
  engine: string;
  sorting_key: string;
  partition_key: string;
  engine_full: string;
}
interface ColumnRow {
  table: string;
  name: string;
  type: string;
  compression_codec: string;
}

/**
 * The warehouse's schema as the engine reports it (system.tables, system.columns) after
 * every migration ran on a fresh database with a non-default retention: engines, sort and
 * partition keys, TTL from the one setting, codecs and LowCardinality where they pay.
 */
describe('warehouse schema', () => {
  const TTL_DAYS = 14;
  let pipeline: Pipeline;
  let tables: Map<string, TableRow>;
  let columns: ColumnRow[];

  beforeAll(async () => {
    pipeline = await startPipeline({ FACT_TTL_DAYS: String(TTL_DAYS) });
    const rows = await queryRows<TableRow>(
      pipeline.clickhouse,
      'SELECT name, engine, sorting_key, partition_key, engine_full FROM system.tables WHERE database = currentDatabase()',
    );
    tables = new Map(rows.map((r) => [r.name, r]));
    columns = await queryRows<ColumnRow>(
      pipeline.clickhouse,
      'SELECT table, name, type, compression_codec FROM system.columns WHERE database = currentDatabase()',
    );
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('re-applies every migration as a no-op', async () => {
    const again = await preparePipeline(pipeline.config, testLog);
    expect(again.createdTopics).toEqual([]);
    expect(again.migrations.applied).toEqual([]);
    expect(again.migrations.skipped.length).toBeGreaterThanOrEqual(24);
  });

  it.each(Object.entries({ ...FACTS, ...ROLLUPS }))(
    '%s: engine, sort key, partition and TTL from FACT_TTL_DAYS',
    (name, spec) => {
      const table = tables.get(name);
      expect(table, `${name} exists`).toBeDefined();
      expect(table?.engine).toBe(spec.engine);
      expect(table?.sorting_key).toBe(spec.sortingKey);
      expect(table?.partition_key).toBe(spec.partitionKey);
      expect(table?.engine_full).toContain(`TTL ${spec.ttl(TTL_DAYS)}`);
      for (const column of spec.lowCardinality) {
        expect(columns.find((c) => c.table === name && c.name === column)?.type, `${name}.${column}`).toMatch(
          /^LowCardinality\(/,
        );
      }
    },
  );

  it.each(Object.keys(FACTS))('%s: timestamps delta-coded, prices Gorilla-coded, then ZSTD', (name) => {
    const own = columns.filter((c) => c.table === name);
    const timestamps = own.filter((c) => c.type.startsWith('DateTime64'));
    const doubles = own.filter((c) => /^(Nullable\()?Float64/.test(c.type));
    expect(timestamps.length).toBeGreaterThan(0);
    for (const c of timestamps) {
      expect(c.compression_codec, `${name}.${c.name}`).toMatch(
        /^CODEC\((DoubleDelta|Delta\(8\)), ZSTD\(1\)\)$/,
      );
    }
    for (const c of doubles) {
      // Trade sizes are short decimals that Gorilla cannot shrink (0067): ZSTD alone.
      const expected =
        name === 'market_trades' && c.name === 'quantity' ? 'CODEC(ZSTD(1))' : 'CODEC(Gorilla(8), ZSTD(1))';
      expect(c.compression_codec, `${name}.${c.name}`).toBe(expected);
    }
    // Event times rise within a part: DoubleDelta; ingestion stamps and offsets: Delta.
    const codec = (column: string) => own.find((c) => c.name === column)?.compression_codec;
    if (codec('occurred_at')) expect(codec('occurred_at')).toBe('CODEC(DoubleDelta, ZSTD(1))');
    if (codec('kafka_offset')) expect(codec('kafka_offset')).toBe('CODEC(Delta(8), ZSTD(1))');
  });

  it('keeps the USD valuation interface the alert rules use', async () => {
    const described = await queryRows<{ name: string; type: string }>(
      pipeline.clickhouse,
      'DESCRIBE TABLE asset_prices_usd',
    );
    expect(described.map((c) => [c.name, c.type])).toEqual([
      ['asset', 'String'],
      ['price_usd', 'Float64'],
      ['as_of', "DateTime64(3, 'UTC')"],
      ['source', 'String'],
    ]);
    const prices = await queryRows<{ asset: string; price_usd: number; source: string }>(
      pipeline.clickhouse,
      `SELECT asset, price_usd, source FROM asset_prices_usd WHERE asset IN ('BTC', 'USDT', 'USDC') ORDER BY asset`,
    );
    expect(prices).toEqual([
      { asset: 'BTC', price_usd: 97_000, source: 'fallback' },
      { asset: 'USDC', price_usd: 1, source: 'fallback' },
      { asset: 'USDT', price_usd: 1, source: 'fallback' },
    ]);
  });

  it('prefers the latest USDT trade of the last 24 hours over the fallback, on any venue', async () => {
    const insert = (venue: string, price: number, agoMs: number, id: string) =>
      pipeline.clickhouse.command({
        query: `INSERT INTO market_trades (event_id, venue, symbol, trade_id, side, price, quantity, occurred_at,
                  received_at, produced_at, source, schema_version, kafka_partition, kafka_offset)
                SELECT '${id}', '${venue}', 'ETHUSDT', '1', 'buy', ${price}, 1, now64(3) - ${agoMs / 1000},
                  now64(3), now64(3), 'test', 1, 0, 0`,
      });
    await insert('binance', 3_500, 25 * 3_600_000, '01JD00000000000000000000A1');
    const stale = await queryRows<{ source: string }>(
      pipeline.clickhouse,
      `SELECT source FROM asset_prices_usd WHERE asset = 'ETH'`,
    );
    expect(stale).toEqual([{ source: 'fallback' }]);
    await insert('binance', 3_600, 60_000, '01JD00000000000000000000A2');
    await insert('bybit', 3_610, 1_000, '01JD00000000000000000000A3');
    const fresh = await queryRows<{ price_usd: number; source: string }>(
      pipeline.clickhouse,
      `SELECT price_usd, source FROM asset_prices_usd WHERE asset = 'ETH'`,
    );
    expect(fresh).toEqual([{ price_usd: 3_610, source: 'market:bybit' }]);
  });
});
