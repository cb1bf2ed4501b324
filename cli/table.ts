/** Renders rows as an aligned text table for people; scripts use --format csv or json. */
export function renderTable(
  columns: ReadonlyArray<{ name: string; type: string }>,
  rows: unknown[][],
): string {
  const cell = (value: unknown): string =>
    value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const text = rows.map((row) => row.map(cell));
  const numeric = columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...text.map((r) => (r[i] ?? '').length)));
  const pad = (value: string, i: number) =>
    numeric[i] ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number);
  const lines = [
    columns.map((c, i) => pad(c.name, i)).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r) => r.map(pad).join('  ')),
  ];
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})\n`;
}
