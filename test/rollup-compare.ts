/** Comparing a rollup's rows with a reference recomputed from the facts (rollup tests). */
type Row = Record<string, unknown>;

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
