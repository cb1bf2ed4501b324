import { KPI_COLUMNS, type RuleKpiRow } from '../../alerting/rule-kpis.js';
import { type Html, html } from './html.js';

export function kpisPage(rows: RuleKpiRow[], days: number): Html {
  return html`<h1>Rule KPIs <small>(last ${days} days, by detection day UTC)</small></h1>
<p class="muted">ack_p50_s: median seconds from detection to a person's first acknowledge, assign or resolve. precision: true / (true + false positives) among resolutions.</p>
<table class="grid kpis"><thead><tr>${KPI_COLUMNS.map((c) => html`<th>${c.name}</th>`)}</tr></thead>
<tbody>${
    rows.length === 0
      ? html`<tr><td colspan="${KPI_COLUMNS.length}" class="empty">No alerts in the period.</td></tr>`
      : rows.map((r) => html`<tr>${KPI_COLUMNS.map((c) => html`<td>${r[c.name] ?? '—'}</td>`)}</tr>`)
  }</tbody></table>`;
}
