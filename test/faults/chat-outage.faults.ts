import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAlertRow, insertAlerts } from '../../alerting/testing/alert-rows.js';
import { type NotifierProcess, startNotifierProcess } from '../../alerting/testing/notifier-process.js';
import { queryNumber } from '../../lib/clickhouse/client.js';
import { waitFor } from '../../lib/time.js';
import { countDeliveries, notifierEnv, type Peers, startPeers, waitUntilAllSent } from './alert-delivery.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';
import { recordResult } from './results.js';

const TIMEOUT_MS = 1_500;

describe('fault: Slack, Telegram and the webhook fail for a while (5xx, 429, timeouts), then recover', () => {
  let stack: FaultStack;
  let peers: Peers;
  let notifier: NotifierProcess | undefined;
  beforeAll(async () => {
    stack = await startFaultStack('chat');
    peers = await startPeers();
  });
  afterAll(async () => {
    await notifier?.kill('SIGKILL');
    await Promise.all(Object.values(peers ?? {}).map((p) => p.close()));
    await stack?.stop();
  });

  const failedAttempts = (channel: string) =>
    queryNumber(
      stack.clickhouse,
      "SELECT count() FROM alert_deliveries WHERE channel = {channel:String} AND outcome = 'failed'",
      { channel },
    );

  it('delays alerts without losing or repeating them', async () => {
    const alerts = Array.from({ length: 5 }, () => anAlertRow({ severity: 'high' })) as unknown as {
      alert_id: string;
      fingerprint: string;
    }[];
    // Slack answers 503 for as long as the outage lasts, then 500 twice more; Telegram answers
    // 429 with retry_after; the webhook holds requests past the notifier's timeout.
    peers.slack.outage = true;
    peers.slack.script('error', 'error');
    peers.telegram.script('rate-limit:2', 'rate-limit:1');
    peers.hook.script(`slow:${TIMEOUT_MS * 2}`, `slow:${TIMEOUT_MS * 2}`);
    notifier = await startNotifierProcess(notifierEnv(peers, stack.env, TIMEOUT_MS));
    await insertAlerts(stack.clickhouse, alerts as unknown as Record<string, unknown>[]);
    await waitFor(
      'failed attempts on every channel',
      async () => {
        const [slack = 0, telegram = 0, hook = 0] = await Promise.all(
          ['slack', 'telegram', 'hook'].map(failedAttempts),
        );
        return slack >= 3 && telegram >= 1 && hook >= 2 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const recovered = Date.now();
    peers.slack.outage = false;
    await waitUntilAllSent(stack.clickhouse, alerts);
    const recoveryMs = Date.now() - recovered;
    const { received, result } = await countDeliveries(stack.clickhouse, peers, alerts);
    const statuses = (peer: keyof Peers) => peers[peer].requests.filter((r) => !r.delivered).length;
    // A request the notifier timed out on was answered to nobody: the loopback peer does not
    // count it. A real service may have acted on it; the webhook's Idempotency-Key covers that.
    const timedOut = peers.hook.requests.filter((r) => r.status === 204 && !r.delivered).length;
    recordResult({
      case: 'e. chat endpoints 5xx / 429 / timeouts',
      ...result,
      recoveryMs,
      note: `refused or unanswered requests: slack ${statuses('slack')}, telegram ${statuses('telegram')}, webhook ${statuses('hook')} (${timedOut} timed out); recovery from the end of the outage`,
    });
    expect(result.lost).toBe(0);
    for (const [pair, n] of received) expect(n, pair).toBe(1);
    // Telegram's retry_after was waited out before the next attempt.
    const t = peers.telegram.requests;
    const limited = t.findIndex((r) => r.status === 429);
    expect((t[limited + 1]?.at ?? 0) - (t[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1_900);
  });
});
