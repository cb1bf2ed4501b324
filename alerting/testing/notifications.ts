import type { AlertView, Notification } from '../channels/types.js';

/** Builders for channel tests: an alert as the notifier reads it, and a message of them. */
export const anAlert = (o: Partial<AlertView> = {}): AlertView => ({
  fingerprint: 'f'.repeat(64),
  alert_id: 'account-takeover-ffffffffffff',
  rule_id: 'account-takeover',
  severity: 'critical',
  entity_type: 'account',
  entity: 'acc-00042',
  related: [],
  venue: '',
  title: 'Account takeover: login from a new IP, then a large withdrawal',
  summary: 'login from new IP 185.220.100.9 (NG), then 1 withdrawal(s) worth 204670 USD',
  evidence: '{"logins":[{"ip":"185.220.100.9"}]}',
  first_seen: '2026-01-01 00:00:00.000',
  last_seen: '2026-01-01 00:00:30.000',
  trigger_at: '2026-01-01 00:00:30.000',
  detected_at: '2026-01-01 00:00:31.000',
  effective_status: 'firing',
  assignee: '',
  runbook: 'Freeze withdrawals for the account.',
  ...o,
});

export const aNotification = (alerts: AlertView[], kind: Notification['kind'] = 'firing'): Notification => ({
  messageId: 'm'.repeat(64),
  kind,
  alerts,
  deliveryIds: alerts.map((_, i) => String(i).padStart(64, '0')),
  dashboardUrl: 'http://127.0.0.1:3000/d/tradewatch-alerts',
});
