import type { QueueRow } from '../queries.js';
import { type Html, html } from './html.js';
import { liveQueue } from './queue.js';

export const ENTITY_CHARTS: Record<string, { title: string; series: string[][] }> = {
  account: {
    title: 'Account risk (daily)',
    series: [
      ['risk_score'],
      [
        'c_new_ip',
        'c_failed_logins',
        'c_withdrawal_ratio',
        'c_large_withdrawal',
        'c_self_trade',
        'c_cancel_ratio',
      ],
    ],
  },
  token: {
    title: 'Token risk (5 minutes)',
    series: [
      ['risk_score'],
      ['c_buzz', 'c_negative', 'c_price_move', 'c_volatility', 'c_wash'],
      ['mentions'],
    ],
  },
  market: {
    title: 'Market health (1 minute)',
    series: [['close', 'vwap'], ['spread_bps_mean', 'spread_bps_max'], ['trades'], ['latency_ms_p95']],
  },
};

export function entityPage(
  type: string,
  id: string,
  rows: number,
  alerts: QueueRow[],
  grafanaUrl: string,
): Html {
  const spec = ENTITY_CHARTS[type];
  return html`<p><a href="/">← queue</a></p>
<h1>${spec?.title ?? type}: ${id}</h1>
<p class="muted">${rows} points · <a href="${grafanaUrl}?var-entity=${encodeURIComponent(id)}" target="_blank" rel="noopener noreferrer">Grafana</a></p>
<div id="charts" data-src="/api/entity/${type}/${encodeURIComponent(id)}" data-series="${JSON.stringify(spec?.series ?? [])}"></div>
${rows === 0 ? html`<p class="muted">No rollup rows for this ${type} in the window.</p>` : ''}
<h2>Alerts</h2>
${liveQueue({ status: 'all' } as never, alerts, {})}`;
}
