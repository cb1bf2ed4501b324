import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChatPeer,
  startSlackPeer,
  startTelegramPeer,
  startWebhookPeer,
} from '../../alerting/testing/chat-peers.js';
import { type ClickHouseClient, queryRows } from '../../lib/clickhouse/client.js';
import { waitFor } from '../../lib/time.js';
import type { FaultResult } from './results.js';

const SECRET = 'fault-injection-webhook-secret';
export type Peers = Record<'slack' | 'telegram' | 'hook', ChatPeer>;

export async function startPeers(): Promise<Peers> {
  const [slack, telegram, hook] = await Promise.all([
    startSlackPeer(),
    startTelegramPeer(),
    startWebhookPeer(SECRET),
  ]);
  return { slack, telegram, hook };
}

/** A routing file sending every alert to all three peers, one message per alert. */
export function notifierEnv(
  peers: Peers,
  stackEnv: Record<string, string>,
  timeoutMs = 3_000,
): Record<string, string> {
  const file = join(mkdtempSync(join(tmpdir(), 'tw-fault-alerting-')), 'alerting.json');
  writeFileSync(
    file,
    JSON.stringify({
      grafana_url: 'http://127.0.0.1:3000/d/tradewatch-alerts',
      channels: {
        slack: { type: 'slack', webhook_url: `${peers.slack.url}/services/T0/B0/x`, timeout_ms: timeoutMs },
        telegram: {
          type: 'telegram',
          bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
          chat_id: -100,
          api_url: peers.telegram.url,
          timeout_ms: timeoutMs,
        },
        hook: { type: 'webhook', url: peers.hook.url, secret: SECRET, timeout_ms: timeoutMs },
      },
      routes: [{ channels: ['slack', 'telegram', 'hook'], group_max_alerts: 1, repeat_interval_s: 0 }],
      retry: { base_ms: 100, max_ms: 1000 },
    }),
  );
  return {
    CLICKHOUSE_URL: stackEnv.CLICKHOUSE_URL as string,
    CLICKHOUSE_PASSWORD: stackEnv.CLICKHOUSE_PASSWORD as string,
    CLICKHOUSE_DATABASE: stackEnv.CLICKHOUSE_DATABASE as string,
    ALERTING_CONFIG_FILE: file,
    NOTIFIER_POLL_INTERVAL_MS: '200',
    NOTIFIER_INSTALL_RULES: 'false',
  };
}

interface Alert {
  alert_id: string;
  fingerprint: string;
}

/**
 * The successful requests each peer answered that carry `alert`: Slack and Telegram name the
 * alert id in their text, the webhook lists fingerprints and sends an Idempotency-Key.
 */
function receipts(channel: keyof Peers, peer: ChatPeer, alert: Alert): { idempotencyKey: string }[] {
  return peer.requests
    .filter((r) => r.delivered)
    .filter((r) =>
      channel === 'hook'
        ? ((JSON.parse(r.body) as { alerts?: { fingerprint: string }[] }).alerts ?? []).some(
            (a) => a.fingerprint === alert.fingerprint,
          )
        : r.body.includes(alert.alert_id),
    )
    .map((r) => ({ idempotencyKey: String(r.headers['idempotency-key'] ?? '') }));
}

/** `channel alert_id` of every delivery the notifier logged as sent. */
export async function loggedSent(clickhouse: ClickHouseClient): Promise<Set<string>> {
  const rows = await queryRows<{ k: string }>(
    clickhouse,
    "SELECT DISTINCT concat(channel, ' ', alert_id) AS k FROM alert_deliveries WHERE outcome = 'sent'",
  );
  return new Set(rows.map((r) => r.k));
}

/**
 * Deliveries a peer accepted that the log does not call sent: the window between a chat
 * service accepting a message and the notifier recording it. Such a message is sent again.
 */
export async function unloggedDeliveries(
  clickhouse: ClickHouseClient,
  peers: Peers,
  alerts: readonly Alert[],
): Promise<Set<string>> {
  const sent = await loggedSent(clickhouse);
  const open = new Set<string>();
  for (const [channel, peer] of Object.entries(peers) as [keyof Peers, ChatPeer][])
    for (const alert of alerts)
      if (receipts(channel, peer, alert).length > 0 && !sent.has(`${channel} ${alert.alert_id}`))
        open.add(`${channel} ${alert.alert_id}`);
  return open;
}

export async function waitUntilAllSent(
  clickhouse: ClickHouseClient,
  alerts: readonly Alert[],
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    `all ${alerts.length * 3} deliveries logged as sent`,
    async () => ((await loggedSent(clickhouse)).size >= alerts.length * 3 ? true : undefined),
    { timeoutMs, intervalMs: 200 },
  );
}

export interface DeliveryCount {
  /** `channel alert_id` → messages the peer accepted. */
  received: Map<string, number>;
  result: Omit<FaultResult, 'case' | 'recoveryMs' | 'note'>;
}

/**
 * Per (channel, alert): how many messages the peer accepted. Raw duplicates are every extra
 * message; visible ones are those a person sees twice: Slack and Telegram have no
 * idempotency key, while a webhook receiver drops a repeated Idempotency-Key.
 */
export async function countDeliveries(
  clickhouse: ClickHouseClient,
  peers: Peers,
  alerts: readonly Alert[],
): Promise<DeliveryCount> {
  const received = new Map<string, number>();
  let stored = 0;
  let raw = 0;
  let visible = 0;
  for (const [channel, peer] of Object.entries(peers) as [keyof Peers, ChatPeer][])
    for (const alert of alerts) {
      const got = receipts(channel, peer, alert);
      received.set(`${channel} ${alert.alert_id}`, got.length);
      if (got.length > 0) stored += 1;
      raw += Math.max(0, got.length - 1);
      const seen = channel === 'hook' ? new Set(got.map((g) => g.idempotencyKey)).size : got.length;
      visible += Math.max(0, seen - 1);
    }
  const expected = alerts.length * 3;
  return {
    received,
    result: {
      unit: 'deliveries',
      sent: expected,
      acknowledged: (await loggedSent(clickhouse)).size,
      stored,
      lost: expected - stored,
      rawDuplicates: raw,
      visibleDuplicates: visible,
    },
  };
}
