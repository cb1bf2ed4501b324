import { type Html, html } from './html.js';

/**
 * An alert's evidence (JSON written by its rule) as tables: each list of rows (logins,
 * withdrawals, trades, orders) becomes a table with a column per field; scalar fields a
 * two-column table. Whatever does not parse is shown as text.
 */
export function evidenceTables(evidence: string): Html {
  let parsed: unknown;
  try {
    parsed = JSON.parse(evidence);
  } catch {
    return html`<pre class="evidence">${evidence}</pre>`;
  }
  if (Array.isArray(parsed)) return rowsTable('rows', parsed);
  if (parsed === null || typeof parsed !== 'object')
    return html`<pre class="evidence">${String(parsed)}</pre>`;
  const scalars: [string, unknown][] = [];
  const tables: Html[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) tables.push(rowsTable(key, value));
    else scalars.push([key, value]);
  }
  return html`${scalars.length > 0 ? kvTable(scalars) : ''}${tables}`;
}

const cell = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function kvTable(entries: [string, unknown][]): Html {
  return html`<table class="kv">${entries.map(([k, v]) => html`<tr><th>${k}</th><td>${cell(v)}</td></tr>`)}</table>`;
}

function rowsTable(name: string, rows: unknown[]): Html {
  const objects = rows.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object');
  if (objects.length === 0) return html`<h3>${name}</h3><p>${rows.map(cell).join(', ')}</p>`;
  const columns = [...new Set(objects.flatMap((r) => Object.keys(r)))];
  return html`<h3>${name} <small>(${objects.length})</small></h3>
<table class="grid evidence-table" data-evidence="${name}">
<thead><tr>${columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
<tbody>${objects.map((r) => html`<tr>${columns.map((c) => html`<td>${cell(r[c])}</td>`)}</tr>`)}</tbody>
</table>`;
}
