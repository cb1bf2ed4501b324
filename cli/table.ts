import { terminalSafeInline } from '../lib/terminal-text.js';

/** Renders rows as an aligned text table for people; scripts use --format csv or json. */
export function renderTable(
  columns: ReadonlyArray<{ name: string; type: string }>,
  rows: unknown[][],
): string {
  // Query results are data from outside: one line per row, no escape sequence reaches the terminal.
  const cell = (value: unknown): string =>
    terminalSafeInline(
      value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value),
    );
  const text = rows.map((row) => row.map(cell));
  const numeric = columns.map((c) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(c.type));
  const names = columns.map((c) => terminalSafeInline(c.name));
  const widths = names.map((name, i) => Math.max(name.length, ...text.map((r) => (r[i] ?? '').length)));
  const pad = (value: string, i: number) =>
    numeric[i] ? value.padStart(widths[i] as number) : value.padEnd(widths[i] as number);
  const lines = [
    names.map(pad).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((r) => r.map(pad).join('  ')),
  ];
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})\n`;
}
