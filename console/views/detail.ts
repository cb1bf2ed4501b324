import type { AlertView } from '../../alerting/channels/types.js';
import { OUTCOMES } from '../../alerting/store.js';
import type { ConsoleQueries, QueueRow } from '../queries.js';
import type { Session } from '../sessions.js';
import { roleAtLeast } from '../users.js';
import { evidenceTables } from './evidence.js';
import { type Html, html } from './html.js';
import { csrfField } from './layout.js';
import { entityHref, liveQueue } from './queue.js';

type Trail = Awaited<ReturnType<ConsoleQueries['trail']>>;
type Deliveries = Awaited<ReturnType<ConsoleQueries['deliveries']>>;

export interface DetailData {
  alert: AlertView;
  version: number;
  runbook: string;
  trail: Trail;
  deliveries: Deliveries;
  others: QueueRow[];
  grafanaUrl: string;
  notice?: string | undefined;
  error?: string | undefined;
}

function actions(d: DetailData, s: Session): Html {
  if (!roleAtLeast(s.user.role, 'analyst'))
    return html`<p class="muted">Your role (${s.user.role}) can look, not act.</p>`;
  const a = d.alert;
  const path = `/alerts/${encodeURIComponent(a.alert_id)}/actions`;
  const form = (action: string, label: string, extra: Html | string = '') =>
    html`<form method="post" action="${path}" class="action" data-action="${action}">
${csrfField(s)}<input type="hidden" name="version" value="${d.version}"><input type="hidden" name="action" value="${action}">
${extra}<button type="submit" name="do" value="${action}">${label}</button></form>`;
  return html`<div class="actions">
${a.effective_status === 'firing' ? form('acknowledge', 'Acknowledge') : ''}
${form('assign', 'Assign', html`<input name="assignee" placeholder="person" value="${s.user.user_name}" required size="10"> `)}
${
  a.effective_status === 'resolved'
    ? form('reopen', 'Reopen')
    : form(
        'resolve',
        'Resolve',
        html`<select name="outcome" required><option value="">outcome…</option>${OUTCOMES.map(
          (o) => html`<option value="${o}">${o.replace('_', ' ')}</option>`,
        )}</select> <input name="note" placeholder="note" size="24"> `,
      )
}
${form('note', 'Add note', html`<input name="note" placeholder="note" required size="24"> `)}
<form method="post" action="/silences" class="action" data-action="silence">${csrfField(s)}
<input type="hidden" name="rule" value="${a.rule_id}"><input type="hidden" name="entity" value="${a.entity}">
<input type="hidden" name="back" value="/alerts/${a.alert_id}">
<select name="for"><option value="1h">1 h</option><option value="4h">4 h</option><option value="1d">1 day</option></select>
<input name="reason" placeholder="reason" required size="16">
<button type="submit">Silence rule × entity</button></form>
</div>`;
}

export function detailPage(d: DetailData, s: Session): Html {
  const a = d.alert;
  const grafana = `${d.grafanaUrl}?var-alert_id=${encodeURIComponent(a.alert_id)}`;
  return html`<p><a href="/">← queue</a></p>
<h1>${a.title} <span class="sev sev-${a.severity}">${a.severity}</span> <span class="status status-${a.effective_status}" id="status">${a.effective_status}</span></h1>
${d.notice ? html`<p class="notice">${d.notice}</p>` : ''}
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<table class="kv summary">
<tr><th>Alert</th><td>${a.alert_id}</td></tr>
<tr><th>Rule</th><td>${a.rule_id}</td></tr>
<tr><th>Entity</th><td><a href="${entityHref(a.entity_type, a.entity)}">${a.entity}</a> (${a.entity_type})${a.related.length ? html` · related ${a.related.join(', ')}` : ''}</td></tr>
<tr><th>Summary</th><td>${a.summary}</td></tr>
<tr><th>First / last seen (UTC)</th><td>${a.first_seen} → ${a.last_seen}</td></tr>
<tr><th>Detected</th><td>${a.detected_at}</td></tr>
<tr><th>Assignee</th><td id="assignee">${a.assignee || '—'}</td></tr>
<tr><th>Version</th><td>${d.version}</td></tr>
<tr><th>Dashboard</th><td><a href="${grafana}" rel="noopener noreferrer" target="_blank">Open in Grafana</a></td></tr>
</table>
${actions(d, s)}
<h2>Evidence</h2>
${evidenceTables(a.evidence)}
<h2>Runbook</h2>
<p class="runbook">${d.runbook || 'No runbook recorded for this rule (see docs/alerting.md).'}</p>
<h2>Deliveries</h2>
${
  d.deliveries.length === 0
    ? html`<p class="muted">Nothing delivered yet.</p>`
    : html`<table class="grid deliveries"><thead><tr><th>Channel</th><th>Type</th><th>Kind</th><th>Attempt</th><th>Outcome</th><th>HTTP</th><th>ms</th><th>At</th><th>Error</th></tr></thead><tbody>${d.deliveries.map(
        (r) =>
          html`<tr><td>${r.channel}</td><td>${r.channel_type}</td><td>${r.kind}</td><td>${r.attempt}</td><td>${r.outcome}</td><td>${r.http_status}</td><td>${r.duration_ms}</td><td>${r.at}</td><td>${r.error}</td></tr>`,
      )}</tbody></table>`
}
<h2>Audit trail</h2>
${
  d.trail.length === 0
    ? html`<p class="muted">No actions yet.</p>`
    : html`<table class="grid trail" id="trail"><thead><tr><th>At (UTC)</th><th>Action</th><th>By</th><th>Via</th><th>Assignee</th><th>Outcome</th><th>Note</th></tr></thead><tbody>${d.trail.map(
        (t) =>
          html`<tr><td>${t.at}</td><td>${t.action}</td><td>${t.actor}</td><td>${t.via}</td><td>${t.assignee}</td><td>${t.outcome}</td><td>${t.note}</td></tr>`,
      )}</tbody></table>`
}
<h2>Other alerts for ${a.entity}</h2>
${d.others.length === 0 ? html`<p class="muted">None.</p>` : liveQueue({ status: 'all' } as never, d.others, {})}`;
}
