import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAlertRow, insertAlerts } from '../../alerting/testing/alert-rows.js';
import { type NotifierProcess, startNotifierProcess } from '../../alerting/testing/notifier-process.js';
import { waitFor } from '../../lib/time.js';
import {
  countDeliveries,
  notifierEnv,
  type Peers,
  startPeers,
  unloggedDeliveries,
  waitUntilAllSent,
} from './alert-delivery.js';
import { type FaultStack, startFaultStack } from './fault-stack.js';
import { recordResult } from './results.js';

describe('fault: the notifier is SIGKILLed mid-delivery and restarted', () => {
  let stack: FaultStack;
  let peers: Peers;
  let notifier: NotifierProcess | undefined;
  beforeAll(async () => {
    stack = await startFaultStack('notifier');
    peers = await startPeers();
  });
  afterAll(async () => {
    await notifier?.kill('SIGKILL');
    await Promise.all(Object.values(peers ?? {}).map((p) => p.close()));
    await stack?.stop();
  });

  it('delivers every alert once per channel, except the accepted-but-unrecorded window, which it reports', async () => {
    const alerts = Array.from({ length: 8 }, () => anAlertRow()) as unknown as {
      alert_id: string;
      fingerprint: string;
    }[];
    // Every answer takes 600 ms, so the kill lands while requests are in flight.
    for (const peer of Object.values(peers)) peer.script(...alerts.map(() => 'slow:600' as const));
    const env = notifierEnv(peers, stack.env);
    await insertAlerts(stack.clickhouse, alerts as unknown as Record<string, unknown>[]);
    notifier = await startNotifierProcess(env);
    await waitFor(
      'three Slack deliveries and a fourth in flight',
      async () => {
        const last = peers.slack.requests.at(-1);
        const ready =
          peers.slack.requests.filter((r) => r.delivered).length >= 3 &&
          last?.status === 0 &&
          Date.now() - last.at > 150;
        return ready ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    await notifier.kill('SIGKILL');
    const unlogged = await unloggedDeliveries(stack.clickhouse, peers, alerts);
    const restarted = Date.now();
    notifier = await startNotifierProcess(env);
    await waitUntilAllSent(stack.clickhouse, alerts);
    const recoveryMs = Date.now() - restarted;
    const { received, result } = await countDeliveries(stack.clickhouse, peers, alerts);
    recordResult({
      case: 'd. notifier SIGKILL mid-delivery',
      ...result,
      recoveryMs,
      note: `${unlogged.size} accepted-but-unrecorded at the kill${unlogged.size ? ` (${[...unlogged].join(', ')}): sent again` : ''}`,
    });
    expect(result.lost).toBe(0);
    for (const [pair, n] of received) expect(unlogged.has(pair) ? [1, 2] : [1], pair).toContain(n);
  });
});
