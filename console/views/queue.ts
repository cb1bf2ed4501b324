import type { QueueFilter, QueueRow } from '../queries.js';
import { type Html, html, query } from './html.js';

const STATUSES = ['open', 'firing', 'acknowledged', 'resolved', 'all'] as const;
const SEVERITIES = ['', 'critical', 'high', 'warning', 'info'] as const;

export const entityHref = (entityType: string, entity: string): string =>
  ['account', 'token', 'market'].includes(entityType)
    ? `/entity/${entityType}/${encodeURIComponent(entity)}`
    : `/${query({ entity, status: 'all' })}`;

const select = (name: string, value: string, options: readonly string[], label = (o: string) => o || 'any') =>
  html`<select name="${name}" id="f-${name}">${options.map(
    (o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${label(o)}</option>`,
  )}</select>`;

export function filterForm(f: QueueFilter, facets: { rules: string[]; assignees: string[] }): Html {
  return html`<form method="get" action="/" class="filters">
  <label>Rule ${select('rule', f.rule, ['', ...facets.rules])}</label>
  <label>Severity ${select('severity', f.severity, SEVERITIES)}</label>
  <label>Status ${select('status', f.status, STATUSES)}</label>
  <label>Assignee ${select('assignee', f.assignee, ['', ...facets.assignees])}</label>
  <label>Entity <input name="entity" value="${f.entity}" size="14"></label>
  <label>From (UTC) <input type="datetime-local" name="from" value="${f.from}"></label>
  <label>To <input type="datetime-local" name="to" value="${f.to}"></label>
  <button type="submit">Filter</button> <a href="/">reset</a>
</form>`;
}

export function liveQueue(f: QueueFilter, rows: QueueRow[], counts: Record<string, number>): Html {
  const base = { ...f, limit: undefined } as Record<string, string | number | undefined>;
  const countLinks = ['firing', 'acknowledged', 'resolved'].map(
    (s) =>
      html`<a class="count status-${s}" data-status="${s}" href="/${query({ ...base, status: s })}">${s} <b>${counts[s] ?? 0}</b></a> `,
  );
  // Lists without counts (an entity's alerts) show none rather than zeros.
  return html`${Object.keys(counts).length > 0 ? html`<p class="counts">${countLinks}</p>` : ''}
<table class="grid queue">
<thead><tr><th>Detected (UTC)</th><th>Alert</th><th>Severity</th><th>Status</th><th>Entity</th><th>Assignee</th><th>Summary</th></tr></thead>
<tbody>${
    rows.length === 0
      ? html`<tr><td colspan="7" class="empty">No alerts match.</td></tr>`
      : rows.map(
          (r) => html`<tr data-alert="${r.alert_id}">
<td>${r.detected_at.slice(0, 19)}</td>
<td><a href="/alerts/${encodeURIComponent(r.alert_id)}">${r.alert_id}</a><br><small>${r.rule_id}</small></td>
<td><span class="sev sev-${r.severity}">${r.severity}</span></td>
<td class="status status-${r.effective_status}">${r.effective_status}</td>
<td><a href="${entityHref(r.entity_type, r.entity)}">${r.entity}</a></td>
<td>${r.assignee || '—'}</td>
<td>${r.summary}</td></tr>`,
        )
  }</tbody></table>`;
}

export function queuePage(
  f: QueueFilter,
  facets: { rules: string[]; assignees: string[] },
  live: Html,
): Html {
  return html`<h1>Alert queue <span id="live-state" class="live">live</span></h1>
${filterForm(f, facets)}
<div id="live" data-src="/queue/live${query({ ...f, limit: f.limit === 200 ? undefined : f.limit })}">${live}</div>`;
}
