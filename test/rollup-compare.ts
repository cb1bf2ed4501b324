import { expect } from 'vitest';
import { type ClickHouseClient, queryRows } from '../lib/clickhouse/client.js';
import { waitFor } from '../lib/time.js';

/** Comparing a rollup's rows with a reference recomputed from the facts (rollup tests). */
export type Row = Record<string, unknown>;

/** Numbers as numbers (64-bit integers arrive as strings), rows sorted by their key. */
export function normalise(rows: Row[], keys: string[], derive: (r: Row) => Row = (r) => r): Row[] {
  const numeric = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i;
  return rows
    .map((r) =>
      derive(
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && numeric.test(v) && !keys.includes(k) ? Number(v) : v,
          ]),
        ),
      ),
    )
    .sort((a, b) =>
      keys
        .map((k) => String(a[k]))
        .join('|')
        .localeCompare(keys.map((k) => String(b[k])).join('|')),
    );
}

/** Equal rows, numbers within a relative 1e-9 (sums in another order differ in the last bits). */
export function sameRows(actual: Row[], expected: Row[]): boolean {
  if (actual.length !== expected.length) return false;
  return actual.every((a, i) => {
    const e = expected[i] as Row;
    const columns = new Set([...Object.keys(a), ...Object.keys(e)]);
    return [...columns].every((k) => {
      const x = a[k];
      const y = e[k];
      if (typeof x === 'number' && typeof y === 'number') {
        return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
      }
      return x === y;
    });
  });
}

/**
 * Runs the rollup's refreshable view now and waits for it, again and again until the
 * rollup equals `reference` (a recomputation from the facts) or the deadline passes; then
 * fails showing the first differing row instead of only "timed out". Returns the reference.
 */
export async function refreshUntilEqual(
  client: ClickHouseClient,
  view: string,
  table: string,
  reference: string,
  keys: string[],
  derive?: (r: Row) => Row,
): Promise<Row[]> {
  const rollup = { view, table, reference, keys, derive };
  const expected = normalise(await queryRows<Row>(client, rollup.reference), rollup.keys, rollup.derive);
  let actual: Row[] = [];
  try {
    await waitFor(
      `${rollup.table} to equal its reference`,
      async () => {
        await client.command({ query: `SYSTEM REFRESH VIEW ${rollup.view}` });
        await client.command({ query: `SYSTEM WAIT VIEW ${rollup.view}` });
        const rows = await queryRows<Row>(client, `SELECT * EXCEPT computed_at FROM ${rollup.table} FINAL`);
        actual = normalise(rows, rollup.keys);
        return sameRows(actual, expected) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
  } catch (err) {
    expect(actual).toEqual(expected);
    throw err;
  }
  return expected;
}
