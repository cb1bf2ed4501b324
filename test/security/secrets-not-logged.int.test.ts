import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAlertRow, insertAlerts, insertRuleMeta } from '../../alerting/testing/alert-rows.js';
import {
  type ChatPeer,
  startSlackPeer,
  startTelegramPeer,
  startWebhookPeer,
} from '../../alerting/testing/chat-peers.js';
import {
  type NotifierProcess,
  runAlertsCli,
  startNotifierProcess,
} from '../../alerting/testing/notifier-process.js';
import { type ClickHouseClient, createClickHouse, queryNumber } from '../../lib/clickhouse/client.js';
import type { Config } from '../../lib/config/config.js';
import { waitFor } from '../../lib/time.js';
import { hashKey } from '../../producers/user/keys.js';
import { signRequest } from '../../producers/user/signature.js';
import { type ClickHouseHost, startClickHouseHost } from '../../stack/clickhouse/host-process.js';
import { preparePipeline } from '../../stack/pipeline.js';
import { writeKeysFile } from '../collector-fixture.js';
import { anOrder } from '../engine-user-builders.js';
import { isolatedConfig, testLog } from '../pipeline-fixture.js';

const ROOT = join(import.meta.dirname, '../..');
const secret = (prefix: string) => `${prefix}${randomBytes(30).toString('base64url')}`;

/** Every secret the flow is configured with: none may appear in any log, in any encoding. */
const SECRETS = {
  serverKey: secret('tw_sk_'),
  browserKey: secret('tw_pk_'),
  signingSecret: secret('sign-'),
  clickhousePassword: secret('chpw-'),
  wrongClickhousePassword: secret('wrong-'),
  slackToken: secret('slack'),
  telegramToken: `${100000 + (randomBytes(2).readUInt16BE() % 800000)}:${secret('tg')}`,
  webhookSecret: secret('whsec-'),
};
const ORIGIN = 'https://app.example.com';

/** What a careless log line would carry instead of the plain value. */
function encodings(value: string): string[] {
  const b = Buffer.from(value, 'utf8');
  return [
    value,
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('hex'),
    encodeURIComponent(value),
    // Basic auth, as HTTP clients send a ClickHouse user and password.
    Buffer.from(`default:${value}`).toString('base64'),
  ];
}

/** A service as its own process, every byte it writes kept. */
function spawnService(entry: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => output.push(c.toString('utf8')));
  return { child, output };
}

const stop = (child: ChildProcess | undefined) =>
  new Promise<void>((done) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });

describe('secrets stay out of the logs (LOG_LEVEL=debug, every service a process)', () => {
  let dir: string;
  let host: ClickHouseHost;
  let config: Config;
  let clickhouse: ClickHouseClient;
  let slack: ChatPeer;
  let telegram: ChatPeer;
  let webhook: ChatPeer;
  let collector: ReturnType<typeof spawnService> | undefined;
  let notifier: NotifierProcess | undefined;
  let cliOutput = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-secrets-'));
    const previousLevel = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = 'debug';
    try {
      host = await startClickHouseHost({
        dataDir: join(dir, 'clickhouse'),
        password: SECRETS.clickhousePassword,
        logFile: join(dir, 'clickhouse-host.log'),
        timeoutMs: 120_000,
      });
    } finally {
      if (previousLevel === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = previousLevel;
    }
    config = isolatedConfig({ CLICKHOUSE_URL: host.url, CLICKHOUSE_PASSWORD: SECRETS.clickhousePassword });
    await preparePipeline(config, testLog);
    clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
    [slack, telegram, webhook] = await Promise.all([
      startSlackPeer(),
      startTelegramPeer(),
      startWebhookPeer(SECRETS.webhookSecret),
    ]);
  });

  afterAll(async () => {
    await stop(collector?.child);
    await notifier?.kill('SIGTERM');
    await Promise.all([slack?.close(), telegram?.close(), webhook?.close()]);
    await clickhouse?.close();
    await host?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the collector through good, refused and broken requests', async () => {
    const keysFile = writeKeysFile(dir, {
      [SECRETS.serverKey]: {
        id: 'engine',
        endpoint: 'engine',
        types: ['engine.order'],
        signing_secret_envs: ['ENGINE_SIGNING_SECRET'],
      },
      [SECRETS.browserKey]: {
        id: 'web',
        endpoint: 'user',
        types: ['user.browser_action'],
        origins: [ORIGIN],
      },
    });
    const signingSecretFile = join(dir, 'signing-secret');
    writeFileSync(signingSecretFile, `${SECRETS.signingSecret}\n`, { mode: 0o600 });
    collector = spawnService('producers/user/main.ts', {
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: config.KAFKA_TOPIC_PREFIX,
      COLLECTOR_KEYS_FILE: keysFile,
      COLLECTOR_PORT: '0',
      ENGINE_SIGNING_SECRET_FILE: signingSecretFile,
      LOG_LEVEL: 'debug',
    });
    const output = collector.output;
    const url = await waitFor(
      'the collector to listen',
      async () => /"url":"(http:[^"]+)".*"msg":"collector listening"/.exec(output.join(''))?.[1],
      {
        timeoutMs: 90_000,
        giveUpIf: () => (collector?.child.exitCode != null ? output.join('') : undefined),
      },
    );
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const body = JSON.stringify({ events: [anOrder()] });
    const ts = String(Math.floor(Date.now() / 1000));
    const auth = { authorization: `Bearer ${SECRETS.serverKey}`, 'x-tradewatch-timestamp': ts };
    const statuses = [
      (
        await post('/v1/engine/events', body, {
          ...auth,
          'x-tradewatch-signature': signRequest(SECRETS.signingSecret, ts, body),
        })
      ).status,
      (
        await post('/v1/engine/events', body, {
          ...auth,
          'x-tradewatch-signature': signRequest('x'.repeat(40), ts, body),
        })
      ).status,
      (
        await post('/v1/engine/events', '{"events": [', {
          ...auth,
          'x-tradewatch-signature': signRequest(SECRETS.signingSecret, ts, '{"events": ['),
        })
      ).status,
      (await post(`/v1/engine/events?key=${SECRETS.serverKey}`, body, {})).status,
      (
        await post(`/v1/events?key=${SECRETS.browserKey}`, '{"events":[{"type":"user.browser_action"}]}', {
          origin: ORIGIN,
        })
      ).status,
      (
        await post('/v1/events', body, {
          'x-api-key': SECRETS.browserKey,
          origin: 'https://evil.example.com',
        })
      ).status,
    ];
    expect(statuses).toEqual([200, 401, 400, 401, 207, 403]);
  });

  it('runs the notifier through a channel failure, and the CLI with a wrong password', async () => {
    await insertRuleMeta(clickhouse, 'account-takeover', 0);
    const routingFile = join(dir, 'alerting.json');
    writeFileSync(
      routingFile,
      JSON.stringify({
        channels: {
          slack: {
            type: 'slack',
            webhook_url: `${slack.url}/services/T0/B0/${SECRETS.slackToken}`,
            timeout_ms: 3000,
          },
          telegram: {
            type: 'telegram',
            bot_token: `\${TG_TOKEN}`,
            chat_id: -100,
            api_url: telegram.url,
            timeout_ms: 3000,
          },
          hook: { type: 'webhook', url: webhook.url, secret: `\${HOOK_SECRET}`, timeout_ms: 3000 },
        },
        routes: [{ channels: ['slack', 'telegram', 'hook'], repeat_interval_s: 0 }],
        retry: { base_ms: 100, max_ms: 1000 },
      }),
    );
    const passwordFile = join(dir, 'clickhouse-password');
    writeFileSync(passwordFile, `${SECRETS.clickhousePassword}\n`, { mode: 0o600 });
    // Slack fails first (500), Telegram is rate-limited: both are retried and logged.
    slack.script('error');
    telegram.script('rate-limit:1');
    await insertAlerts(clickhouse, [anAlertRow({ summary: 'login from a new IP, then a withdrawal' })]);
    notifier = await startNotifierProcess({
      CLICKHOUSE_URL: config.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: config.CLICKHOUSE_DATABASE,
      CLICKHOUSE_PASSWORD: '',
      CLICKHOUSE_PASSWORD_FILE: passwordFile,
      ALERTING_CONFIG_FILE: routingFile,
      TG_TOKEN: SECRETS.telegramToken,
      HOOK_SECRET: SECRETS.webhookSecret,
      NOTIFIER_POLL_INTERVAL_MS: '200',
      NOTIFIER_INSTALL_RULES: 'false',
      LOG_LEVEL: 'debug',
    });
    await waitFor(
      'a sent delivery on each of the three channels',
      async () => {
        const n = await queryNumber(
          clickhouse,
          "SELECT uniqExact(channel) FROM alert_deliveries WHERE outcome = 'sent'",
        );
        return n >= 3 ? n : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    expect(
      await queryNumber(clickhouse, "SELECT count() FROM alert_deliveries WHERE outcome = 'failed'"),
    ).toBeGreaterThanOrEqual(2);
    await notifier.kill('SIGTERM');

    const refused = await runAlertsCli(
      {
        CLICKHOUSE_URL: config.CLICKHOUSE_URL,
        CLICKHOUSE_DATABASE: config.CLICKHOUSE_DATABASE,
        CLICKHOUSE_PASSWORD: SECRETS.wrongClickhousePassword,
        LOG_LEVEL: 'debug',
      },
      ['list'],
    ).then(
      (stdout) => ({ ok: true, text: stdout }),
      (err: { stdout?: string; stderr?: string; message: string }) => ({
        ok: false,
        text: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`,
      }),
    );
    expect(refused.ok).toBe(false);
    expect(refused.text).toContain('Authentication failed');
    cliOutput = refused.text;
  });

  it('no configured secret appears in any output, plain or encoded', async () => {
    await stop(collector?.child);
    const logs: Record<string, string> = {
      collector: collector?.output.join('') ?? '',
      notifier: notifier?.output.join('\n') ?? '',
      'alerts CLI': cliOutput,
      'clickhouse host': readFileSync(host.logFile, 'utf8'),
    };
    // The logs are real: each service wrote them, failures included.
    expect(logs.collector).toContain('"msg":"collector listening"');
    expect(logs.notifier).toContain('slack 500 unexpected response');
    expect(logs.notifier).toContain('"status":429');
    expect(logs['clickhouse host']).toContain('"msg":"listening"');
    const leaks: string[] = [];
    for (const [service, text] of Object.entries(logs))
      for (const [name, value] of Object.entries(SECRETS))
        for (const encoded of encodings(value)) if (text.includes(encoded)) leaks.push(`${service}: ${name}`);
    expect(leaks).toEqual([]);
  });
});
