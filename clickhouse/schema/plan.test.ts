import { describe, expect, it } from 'vitest';
import { loadBaseline } from '../../lib/clickhouse/baseline.js';
import { loadMigrations } from '../../lib/clickhouse/migration-files.js';
import { BASELINE_DIR } from '../../lib/clickhouse/platform-migrations.js';
import { between, optional } from '../../lib/contracts/fields.js';
import { marketTradeContract } from '../../lib/contracts/market.js';
import { storage } from '../../lib/contracts/storage.js';
import { MIGRATIONS_DIR, nextVersion, readSnapshot, renderSchema } from './generate.js';
import { enumOnlyGrows, plan, UnsafeChangeError } from './plan.js';
import { renderTopic } from './render.js';

const trades = (fields = marketTradeContract.fields, columns = storage.marketTrades.columns) =>
  renderTopic({
    topic: 'market.trades',
    contract: { fields, rules: marketTradeContract.rules },
    storage: { ...storage.marketTrades, columns },
  });

describe('schema generator', () => {
  it('has a snapshot that matches the contracts (what `schema:generate --check` enforces)', () => {
    expect(plan(readSnapshot(), renderSchema()).statements).toEqual([]);
  });

  it('numbers the next migration after every file, squashed and retired ones included', () => {
    const taken = [
      ...loadMigrations(MIGRATIONS_DIR).map((m) => m.version),
      ...(loadBaseline(BASELINE_DIR)?.squashed.map((m) => m.version) ?? []),
    ];
    expect(nextVersion(MIGRATIONS_DIR)).toBe(Math.max(...taken) + 1);
  });

  it('turns a new optional field into: stop the consumer, re-create the queue in the same group, add the column, consumer last', () => {
    const fields = { ...marketTradeContract.fields, fee_rate: optional(between(0, 1)) };
    const { statements, chains } = plan(
      trades(),
      trades(fields, [...storage.marketTrades.columns, 'fee_rate']),
    );
    const sql = statements.filter((s) => !s.startsWith('--'));
    expect(chains).toEqual(['market_trades']);
    expect(sql[0]).toBe('DROP VIEW IF EXISTS market_trades_parse_mv SYNC');
    expect(sql.at(-1)).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS market_trades_parse_mv/);
    expect(sql.at(-1)).toContain(
      'fee_rate IS NOT NULL AND NOT (isFinite(fee_rate) AND fee_rate BETWEEN 0 AND 1)',
    );
    expect(sql).toContain('DROP TABLE IF EXISTS market_trades_queue SYNC');
    expect(sql.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS market_trades_queue'))).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a migration placeholder, filled by the runner
      "kafka_group_name = '${KAFKA_GROUP_PREFIX}market_trades_v2'",
    );
    expect(sql).toContain(
      'ALTER TABLE market_trades ADD COLUMN IF NOT EXISTS fee_rate Nullable(Float64) CODEC(Gorilla, ZSTD(1)) AFTER kafka_offset',
    );
    expect(sql.some((s) => s.startsWith('CREATE TABLE IF NOT EXISTS market_trades\n'))).toBe(false);
  });

  it('refuses to rewrite a stored column: that needs a reviewed, hand-written step', () => {
    const columns = storage.marketTrades.columns.map((c) =>
      c === 'price' ? (['price', { type: 'Float32' }] as const) : c,
    );
    expect(() => plan(trades(), trades(undefined, columns))).toThrow(UnsafeChangeError);
    expect(() => plan(trades(), trades(undefined, columns))).toThrow(/column price changes/);
  });

  it('widens an Enum that only gains values at its end in place, and refuses any other Enum change', () => {
    const integrity = (kinds: string) => `kind Enum8(${kinds})`;
    const four = "'sequence_gap' = 1, 'stale_stream' = 2, 'disconnected' = 3, 'events_dropped' = 4";
    expect(enumOnlyGrows(integrity(four), integrity(`${four}, 'checksum_mismatch' = 5`))).toBe(true);
    // A value inserted before others, renumbered or removed would rewrite stored rows' meaning.
    expect(enumOnlyGrows(integrity(four), integrity(`'checksum_mismatch' = 0, ${four}`))).toBe(false);
    expect(enumOnlyGrows(integrity(four), integrity("'sequence_gap' = 1, 'stale_stream' = 2"))).toBe(false);
    expect(enumOnlyGrows(integrity(four), `kind Enum16(${four}, 'x' = 5)`)).toBe(false);
    // The schema as it stood before checksum_mismatch: the planner writes the widening, consumer stopped first.
    const now = renderSchema().filter((o) => o.chain === 'market_integrity');
    const before = now.map((o) =>
      JSON.parse(
        JSON.stringify(o)
          .replaceAll(", 'checksum_mismatch' = 5", '')
          .replaceAll(", \\\\'checksum_mismatch\\\\' = 5", ''),
      ),
    );
    const sql = plan(before, now).statements.filter((x) => !x.startsWith('--'));
    expect(sql[0]).toBe('DROP VIEW IF EXISTS market_integrity_parse_mv SYNC');
    expect(sql).toContain(
      `ALTER TABLE market_integrity MODIFY COLUMN ${integrity(`${four}, 'checksum_mismatch' = 5`)}`,
    );
    expect(sql.at(-1)).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS market_integrity_parse_mv/);
  });
});
