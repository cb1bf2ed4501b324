import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { waitFor } from '../lib/time.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';
import { parseRouting } from './config.js';
import { Notifier } from './notifier.js';
import { AlertStore } from './store.js';
import { anAlertRow, insertAlerts, insertRuleMeta } from './testing/alert-rows.js';
import { type ChatPeer, startSlackPeer, startTelegramPeer, startWebhookPeer } from './testing/chat-peers.js';
import { type NotifierProcess, runAlertsCli, startNotifierProcess } from './testing/notifier-process.js';

const SECRET = 'webhook-secret-for-tests';

/** Fingerprints in the messages a peer accepted, one entry per appearance. */
function delivered(peer: ChatPeer, kind: 'firing' | 'resolved' | 'any' = 'any'): string[] {
  return peer.requests
    .filter((r) => r.delivered)
    .flatMap((r) => {
      const body = JSON.parse(r.body) as { kind?: string; alerts?: { fingerprint: string }[]; text?: string };
      if (body.alerts)
        return kind === 'any' || body.kind === kind ? body.alerts.map((a) => a.fingerprint) : [];
      return [];
    });
}

/** Slack and Telegram carry alert ids in their text: count each id's appearances. */
const mentions = (peer: ChatPeer, alertId: string, marker = ''): number =>
  peer.requests.filter((r) => r.delivered && r.body.includes(alertId) && r.body.includes(marker)).length;

describe('notifier: delivery to Slack, Telegram and a webhook', () => {
  let pipeline: Pipeline;
  let slack: ChatPeer;
  let telegram: ChatPeer;
  let webhook: ChatPeer;
  let env: Record<string, string>;
  let notifier: NotifierProcess | undefined;

  const routingFor = (peers: { slack: ChatPeer; telegram: ChatPeer; webhook: ChatPeer }) => ({
    grafana_url: 'http://127.0.0.1:3000/d/tradewatch-alerts',
    channels: {
      slack: { type: 'slack', webhook_url: `${peers.slack.url}/services/T0/B0/x`, timeout_ms: 3000 },
      telegram: {
        type: 'telegram',
        bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        chat_id: -100,
        api_url: peers.telegram.url,
        timeout_ms: 3000,
      },
      hook: { type: 'webhook', url: peers.webhook.url, secret: SECRET, timeout_ms: 3000 },
    },
    routes: [
      { rules: ['price-spike'], channels: ['hook'], group_wait_ms: 1500, group_max_alerts: 10 },
      { channels: ['slack', 'telegram', 'hook'], group_max_alerts: 1, repeat_interval_s: 0 },
    ],
    inhibit: [
      { source_rules: ['stale-feed'], target_rules: ['spread-blowout', 'price-spike'], equal: 'venue' },
    ],
    retry: { base_ms: 100, max_ms: 1000 },
  });

  beforeAll(async () => {
    pipeline = await startPipeline();
    [slack, telegram, webhook] = await Promise.all([
      startSlackPeer(),
      startTelegramPeer(),
      startWebhookPeer(SECRET),
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'alerting-')), 'alerting.json');
    writeFileSync(file, JSON.stringify(routingFor({ slack, telegram, webhook })));
    env = {
      CLICKHOUSE_URL: pipeline.config.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: pipeline.config.CLICKHOUSE_DATABASE,
      ALERTING_CONFIG_FILE: file,
      NOTIFIER_POLL_INTERVAL_MS: '200',
      NOTIFIER_INSTALL_RULES: 'false',
    };
    await insertRuleMeta(pipeline.clickhouse, 'stale-feed', 1);
  });

  afterAll(async () => {
    await notifier?.kill('SIGKILL');
    await Promise.all([slack?.close(), telegram?.close(), webhook?.close()]);
    await pipeline?.close();
  });

  const sentCount = () =>
    queryNumber(
      pipeline.clickhouse,
      "SELECT uniqExact(delivery_id) FROM alert_deliveries WHERE outcome = 'sent'",
    );

  it('delivers each alert exactly once per channel across a notifier killed mid-delivery and restarted', async () => {
    const rows = Array.from({ length: 6 }, () => anAlertRow());
    // Every answer takes 600 ms, so the kill lands while a request is in flight.
    for (const peer of [slack, telegram, webhook])
      peer.script(...Array.from({ length: 6 }, () => 'slow:600' as const));
    await insertAlerts(pipeline.clickhouse, rows);
    notifier = await startNotifierProcess(env);
    // Kill while Slack holds a request (answered after 600 ms, 150 ms into the wait).
    await waitFor(
      'two Slack deliveries and a third in flight',
      async () => {
        const last = slack.requests.at(-1);
        const ready =
          slack.requests.filter((r) => r.delivered).length >= 2 &&
          last &&
          last.status === 0 &&
          Date.now() - last.at > 150;
        return ready ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    await notifier.kill('SIGKILL');
    const peers = { slack, telegram, hook: webhook };
    expect(slack.requests.filter((r) => !r.delivered).length).toBeGreaterThan(0);
    // The one window the design leaves open: the peer accepted a message and the process died
    // before logging 'sent'. Such a message may be sent again; find them to account for them.
    const loggedSent = new Set(
      (
        await queryRows<{ k: string }>(
          pipeline.clickhouse,
          "SELECT concat(channel, ' ', alert_id) AS k FROM alert_deliveries WHERE outcome = 'sent'",
        )
      ).map((r) => r.k),
    );
    const unlogged = new Set<string>();
    for (const [channel, peer] of Object.entries(peers))
      for (const row of rows)
        if (
          peer.requests.some((r) => r.delivered && r.body.includes(row.alert_id as string)) &&
          !loggedSent.has(`${channel} ${row.alert_id}`)
        )
          unlogged.add(`${channel} ${row.alert_id}`);
    notifier = await startNotifierProcess(env);
    await waitFor(
      'every delivery logged as sent',
      async () => ((await sentCount()) >= 18 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    for (const row of rows) {
      const id = row.alert_id as string;
      const expected = (channel: string) => (unlogged.has(`${channel} ${id}`) ? [1, 2] : [1]);
      expect(expected('slack'), `slack ${id}`).toContain(mentions(slack, id));
      expect(expected('telegram'), `telegram ${id}`).toContain(mentions(telegram, id));
      expect(expected('hook'), `webhook ${id}`).toContain(
        delivered(webhook).filter((f) => f === row.fingerprint).length,
      );
    }
    // At most the message each channel had just been answered for; in practice rarely any.
    expect(unlogged.size).toBeLessThanOrEqual(3);
    if (unlogged.size > 0)
      testLog.warn({ unlogged: [...unlogged] }, 'kill landed between a send and its log write');
  });

  it('a chat outage delays alerts without losing them, and a 429 is waited out', async () => {
    telegram.outage = true;
    const rows = Array.from({ length: 3 }, () => anAlertRow({ rule_id: 'wash-trading', severity: 'high' }));
    await insertAlerts(pipeline.clickhouse, rows);
    await waitFor(
      'three failed Telegram attempts',
      async () =>
        (await queryNumber(
          pipeline.clickhouse,
          "SELECT count() FROM alert_deliveries WHERE channel = 'telegram' AND outcome = 'failed'",
        )) >= 3
          ? true
          : undefined,
      { timeoutMs: 30_000 },
    );
    telegram.outage = false;
    telegram.script('rate-limit:2');
    const before = telegram.requests.length;
    await waitFor(
      'the outage alerts on Telegram',
      async () => (rows.every((r) => mentions(telegram, r.alert_id as string) === 1) ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const after = telegram.requests.slice(before);
    const limited = after.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect((after[limited + 1]?.at ?? 0) - (after[limited]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    for (const r of rows) expect(mentions(slack, r.alert_id as string)).toBe(1);
  });

  it('silences, inhibits, groups bursts, and sends resolved notices; people act from the CLI with an audit trail', async () => {
    await runAlertsCli(env, [
      '--as',
      'alice',
      'silence',
      '--rule',
      'negative-buzz',
      '--for',
      '1h',
      '--reason',
      'known campaign',
    ]);
    const silenced = anAlertRow({
      rule_id: 'negative-buzz',
      entity_type: 'token',
      entity: 'BTC',
      severity: 'warning',
    });
    // Seen "until" 6 s from now: open while the checks below run, then resolved by the notifier.
    const openUntilMs = Date.now() + 6_000;
    const openUntil = new Date(openUntilMs).toISOString().replace('T', ' ').replace('Z', '');
    const stale = anAlertRow({
      rule_id: 'stale-feed',
      entity_type: 'market',
      entity: 'v1:BTCUSDT',
      venue: 'v1',
      severity: 'high',
      last_seen: openUntil,
    });
    const inhibited = anAlertRow({
      rule_id: 'spread-blowout',
      entity_type: 'market',
      entity: 'v1:ETHUSDT',
      venue: 'v1',
      severity: 'warning',
    });
    const burst = Array.from({ length: 5 }, (_, i) =>
      anAlertRow({
        rule_id: 'price-spike',
        entity_type: 'market',
        entity: `v2:S${i}USDT`,
        venue: 'v2',
        severity: 'high',
      }),
    );
    const marker = anAlertRow();
    await insertAlerts(pipeline.clickhouse, [silenced, stale, inhibited, ...burst]);
    await insertAlerts(pipeline.clickhouse, [marker]);
    await waitFor(
      'the burst, grouped',
      async () =>
        burst.every((b) => delivered(webhook).includes(b.fingerprint as string)) ? true : undefined,
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor(
      'the marker alert',
      async () => (mentions(slack, marker.alert_id as string) === 1 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    // One webhook message carried all five price spikes.
    const grouped = webhook.requests.filter(
      (r) => r.delivered && burst.some((b) => r.body.includes(b.fingerprint as string)),
    );
    expect(grouped).toHaveLength(1);
    expect(mentions(slack, silenced.alert_id as string)).toBe(0);
    // The stale-feed rule resolves itself 1 s after it was last seen: a resolved notice follows,
    // and the spread alert it held back is no longer inhibited (held, not lost).
    await waitFor(
      'the stale-feed resolved notice',
      async () => (delivered(webhook, 'resolved').includes(stale.fingerprint as string) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor(
      'the formerly inhibited alert',
      async () => (delivered(webhook).includes(inhibited.fingerprint as string) ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    // Held while the stale feed was open: the stale-feed rule resolves itself 1 s after its
    // last_seen, and not one delivery of the spread alert came before that (the two may then
    // leave in the same planning cycle, in either order).
    const inhibitedFirstAt = webhook.requests.find(
      (r) => r.delivered && r.body.includes(inhibited.fingerprint as string),
    )?.at as number;
    expect(inhibitedFirstAt).toBeGreaterThanOrEqual(openUntilMs + 1_000);
    // A person acknowledges, assigns and resolves from the CLI; each step is in the audit trail.
    const id = marker.alert_id as string;
    await runAlertsCli(env, ['--as', 'bob', 'ack', id]);
    await runAlertsCli(env, ['--as', 'bob', 'assign', id, 'carol']);
    expect(await runAlertsCli(env, ['list', '--status', 'acknowledged'])).toContain(id);
    await runAlertsCli(env, ['--as', 'carol', 'resolve', id, '--note', 'customer confirmed']);
    await waitFor(
      'the resolved notice on Slack',
      async () => (mentions(slack, id, 'RESOLVED') === 1 ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const trail = await queryRows<{ action: string; actor: string; assignee: string }>(
      pipeline.clickhouse,
      'SELECT toString(action) AS action, actor, assignee FROM alert_actions WHERE alert_id = {id:String} ORDER BY at',
      { id },
    );
    expect(trail).toEqual([
      { action: 'acknowledge', actor: 'bob', assignee: '' },
      { action: 'assign', actor: 'bob', assignee: 'carol' },
      { action: 'resolve', actor: 'carol', assignee: '' },
    ]);
    expect(mentions(slack, id)).toBe(2);
  });

  it('dry-run logs what it would send and sends nothing', async () => {
    await notifier?.kill('SIGTERM');
    notifier = undefined;
    const dry = await startPipeline();
    const peers = {
      slack: await startSlackPeer(),
      telegram: await startTelegramPeer(),
      webhook: await startWebhookPeer(SECRET),
    };
    try {
      await insertAlerts(dry.clickhouse, [anAlertRow(), anAlertRow()]);
      const n = new Notifier({
        store: new AlertStore(dry.clickhouse),
        routing: parseRouting(routingFor(peers)),
        log: testLog,
        registry: createMetricsRegistry('notifier-test'),
        pollIntervalMs: 200,
        lookbackHours: 24,
        dryRun: true,
      });
      await n.start();
      await dry.waitForCount("SELECT count() FROM alert_deliveries WHERE outcome = 'dry_run'", 6, 30_000);
      await n.stop();
      expect(
        peers.slack.requests.length + peers.telegram.requests.length + peers.webhook.requests.length,
      ).toBe(0);
    } finally {
      await Promise.all(Object.values(peers).map((p) => p.close()));
      await dry.close();
    }
  });
});
