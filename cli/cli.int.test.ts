import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAlertRow, insertAlerts } from '../alerting/testing/alert-rows.js';
import { queryNumber, queryRows } from '../lib/clickhouse/client.js';
import { waitFor } from '../lib/time.js';
import { freePort } from '../stack/kafka/broker.js';
import { type Pipeline, startPipeline } from '../test/pipeline-fixture.js';
import { runCli, spawnCli } from './run-cli.js';

let pipeline: Pipeline;
let env: Record<string, string>;
const scratch = mkdtempSync(join(tmpdir(), 'tradewatch-cli-'));

beforeAll(async () => {
  pipeline = await startPipeline();
  const c = pipeline.config;
  env = {
    KAFKA_BROKERS: c.KAFKA_BROKERS.join(','),
    CLICKHOUSE_URL: c.CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: c.CLICKHOUSE_DATABASE,
    KAFKA_TOPIC_PREFIX: c.KAFKA_TOPIC_PREFIX,
    KAFKA_ENGINE_FLUSH_INTERVAL_MS: String(c.KAFKA_ENGINE_FLUSH_INTERVAL_MS),
  };
  await pipeline.clickhouse.command({
    query:
      'CREATE TABLE cli_rows (symbol String, trades UInt32, note String) ENGINE = MergeTree ORDER BY symbol',
  });
  await pipeline.clickhouse.insert({
    table: 'cli_rows',
    format: 'JSONEachRow',
    values: [
      { symbol: 'BTCUSDT', trades: 120, note: 'a, "quoted" one' },
      { symbol: 'ETHUSDT', trades: 45, note: '' },
      { symbol: 'SOLUSDT', trades: 7, note: 'x' },
    ],
  });
});

afterAll(async () => {
  await pipeline?.close();
});

describe('usage and exit codes', () => {
  it('prints help with the exit codes, on commands and subcommands', async () => {
    const [top, sub] = await Promise.all([runCli(['--help']), runCli(['alerts', 'tail', '--help'])]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/3 {2}a service is unreachable/);
    for (const cmd of ['stack', 'sql', 'alerts', 'produce', 'doctor']) expect(top.stdout).toContain(cmd);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--since <duration>');
  });

  it('exits 2 for an unknown command, an unknown flag and a bad value', async () => {
    const [unknown, flag, value, config] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['sql', '--frob', 'SELECT 1'], env),
      runCli(['sql', '--format', 'xml', 'SELECT 1'], env),
      runCli(['sql', 'SELECT 1'], { ...env, CLICKHOUSE_URL: 'not a url' }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--frob'");
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('Allowed choices are table, csv, json');
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('CLICKHOUSE_URL="not a url"');
  });

  it('exits 3 naming the fix when ClickHouse, the broker or the stack is down', async () => {
    const port = await freePort();
    const [clickhouse, broker, status] = await Promise.all([
      runCli(['sql', 'SELECT 1'], { ...env, CLICKHOUSE_URL: `http://127.0.0.1:${port}` }),
      runCli(['migrate'], { ...env, KAFKA_BROKERS: `127.0.0.1:${port}` }),
      runCli(['stack', 'status', '--dir', join(scratch, 'no-stack')]),
    ]);
    expect(clickhouse.code).toBe(3);
    expect(clickhouse.stderr).toContain(
      `ClickHouse at http://127.0.0.1:${port} is not answering (ECONNREFUSED)`,
    );
    expect(clickhouse.stderr).toContain('tradewatch stack up');
    expect(clickhouse.stderr).not.toMatch(/\n\s+at /);
    expect(broker.code).toBe(3);
    expect(broker.stderr).toContain(`Kafka broker at 127.0.0.1:${port} (ECONNREFUSED) is not answering`);
    expect(broker.stderr).toContain('set KAFKA_BROKERS');
    // `stack status` when no stack runs from the directory.
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('stack down');
  });
});

describe('sql', () => {
  const query = 'SELECT symbol, trades, note FROM cli_rows ORDER BY symbol';

  it('prints a readable table by default', async () => {
    const run = await runCli(['sql', query], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'symbol   trades  note',
      '-------  ------  ---------------',
      'BTCUSDT     120  a, "quoted" one',
      'ETHUSDT      45',
      'SOLUSDT       7  x',
      '(3 rows)',
      '',
    ]);
  });

  it('prints CSV and JSON for scripts', async () => {
    const [csv, json] = await Promise.all([
      runCli(['sql', '--format', 'csv', query], env),
      runCli(['sql', '--format', 'json', query], env),
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(
      '"symbol","trades","note"\n"BTCUSDT",120,"a, ""quoted"" one"\n"ETHUSDT",45,""\n"SOLUSDT",7,"x"\n',
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { symbol: 'BTCUSDT', trades: 120, note: 'a, "quoted" one' },
      { symbol: 'ETHUSDT', trades: 45, note: '' },
      { symbol: 'SOLUSDT', trades: 7, note: 'x' },
    ]);
  });

  it('binds --param values as ClickHouse query parameters, never as SQL text', async () => {
    const sql = 'SELECT symbol FROM cli_rows WHERE symbol = {s:String} AND trades >= {min:UInt32}';
    const bound = await runCli(
      ['sql', '--format', 'json', sql, '--param', 's=ETHUSDT', '--param', 'min=10'],
      env,
    );
    expect(bound.code).toBe(0);
    expect(JSON.parse(bound.stdout)).toEqual([{ symbol: 'ETHUSDT' }]);
    const hostile = await runCli(
      ['sql', '--format', 'json', sql, '--param', "s=x' OR '1'='1", '--param', 'min=0'],
      env,
    );
    expect(hostile.code).toBe(0);
    expect(JSON.parse(hostile.stdout)).toEqual([]);
    const missing = await runCli(['sql', sql, '--param', 's=ETHUSDT'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--param name=value');
    const malformed = await runCli(['sql', sql, '--param', 'no-equals-sign'], env);
    expect(malformed.code).toBe(2);
  });

  it('exits 1 with ClickHouse’s message for bad SQL, and refuses writes (readonly)', async () => {
    const [bad, write] = await Promise.all([
      runCli(['sql', 'SELEC 1'], env),
      runCli(['sql', "INSERT INTO cli_rows VALUES ('XRPUSDT', 1, '')"], env),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ClickHouse refused the query: Syntax error');
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('readonly');
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM cli_rows')).toBe(3);
  });
});

describe('migrate', () => {
  it('is idempotent: a second and third run apply nothing and succeed', async () => {
    const before = await queryNumber(pipeline.clickhouse, 'SELECT count() FROM schema_migrations');
    for (let i = 0; i < 2; i += 1) {
      const run = await runCli(['migrate'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`migrations applied: 0; already applied: ${before}`);
    }
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM schema_migrations')).toBe(before);
  });
});

describe('alerts', () => {
  it('prints hostile alert text and query results without terminal controls (ANSI, bidi, CR)', async () => {
    // What an attacker controls ends up in alert text: an account label, a venue symbol.
    const hostile = 'ok\u001b]52;c;cGF5bG9hZA==\u0007\u001b[2J\u001b[1A\rforged\u202eevil\u2066';
    const alert = anAlertRow({ rule_id: 'book-integrity', summary: hostile, entity: 'acc-hostile' });
    await insertAlerts(pipeline.clickhouse, [alert]);
    const [list, sql] = await Promise.all([
      runCli(['alerts', 'list', '--rule', 'book-integrity'], env),
      runCli(
        ['sql', 'SELECT summary FROM alerts WHERE alert_id = {id:String}', '--param', `id=${alert.alert_id}`],
        env,
      ),
    ]);
    for (const run of [list, sql]) {
      expect(run.code).toBe(0);
      // ESC, BEL, CR and the bidi overrides never reach the terminal; they show as escapes.
      expect(run.stdout).not.toMatch(/(?![\t\n])[\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
      expect(run.stdout).toContain('\\u{1b}[2J');
      expect(run.stdout).toContain('forged\\u{202e}evil');
    }
  });

  it('lists alerts and silences a rule with an audit record', async () => {
    const alert = anAlertRow({ rule_id: 'stale-feed', summary: 'binance BTCUSDT silent for 30 s' });
    await insertAlerts(pipeline.clickhouse, [alert]);
    const [list, silence, bad] = await Promise.all([
      runCli(['alerts', 'list', '--rule', 'stale-feed'], env),
      runCli(
        [
          'alerts',
          '--as',
          'dana',
          'silence',
          '--rule',
          'stale-feed',
          '--for',
          '2h',
          '--reason',
          'venue maintenance',
        ],
        env,
      ),
      runCli(['alerts', 'silence', '--for', '2h', '--reason', 'no target'], env),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${alert.alert_id}  critical  firing`);
    expect(list.stdout).toContain('binance BTCUSDT silent for 30 s');

    expect(silence.code).toBe(0);
    const [row] = await queryRows<{ created_by: string; reason: string; hours: number }>(
      pipeline.clickhouse,
      `SELECT created_by, reason, round(dateDiff('second', starts_at, ends_at) / 3600) AS hours
       FROM alert_silences FINAL WHERE rule_id = 'stale-feed'`,
    );
    expect(row).toEqual({ created_by: 'dana', reason: 'venue maintenance', hours: 2 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('give --rule, --entity or both');
  });

  it('tail prints recent alerts, then each new one, until Ctrl-C', async () => {
    const earlier = anAlertRow({ rule_id: 'price-spike' });
    await insertAlerts(pipeline.clickhouse, [earlier]);
    const child = spawnCli(['alerts', 'tail', '--since', '10m', '--interval-ms', '200'], env);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    try {
      await waitFor(
        'the earlier alert in tail',
        async () => (out.includes(earlier.alert_id as string) ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      const next = anAlertRow({ rule_id: 'price-spike' });
      await insertAlerts(pipeline.clickhouse, [next]);
      await waitFor(
        'the new alert in tail',
        async () => (out.includes(next.alert_id as string) ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
      expect(out.split(earlier.alert_id as string)).toHaveLength(2);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});

describe('doctor', () => {
  const channelEnv = {
    SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/slack',
    TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    TELEGRAM_CHAT_ID: '-100',
    ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
    ALERT_WEBHOOK_SECRET: 'a-long-enough-shared-secret-for-hmac',
  };

  it('passes every check on a healthy setup', async () => {
    const run = await runCli(['doctor'], { ...env, ...channelEnv });
    expect(run.code, run.stdout).toBe(0);
    for (const check of [
      'configuration',
      'java',
      'kafka jars',
      'ports',
      'kafka broker',
      'clickhouse',
      'migrations',
      'alert channels',
    ])
      expect(run.stdout).toMatch(new RegExp(`^ok +${check} `, 'm'));
    expect(run.stdout).not.toContain('FAIL');
  });

  it('fails (exit 1) naming the broken setting and its fix', async () => {
    const routing = join(scratch, 'routing.json');
    writeFileSync(
      routing,
      JSON.stringify({ channels: { pager: { type: 'pager' } }, routes: [{ channels: ['pager'] }] }),
    );
    const port = await freePort();
    const run = await runCli(['doctor'], {
      ...env,
      ALERTING_CONFIG_FILE: routing,
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL +clickhouse .*not answering \(ECONNREFUSED\)/m);
    expect(run.stdout).toContain('fix: start it with `tradewatch stack up`, or set CLICKHOUSE_URL');
    expect(run.stdout).toMatch(/^FAIL +alert channels .*channels\.pager\.type/m);
    expect(run.stdout).toMatch(/^ok +kafka broker /m);
    expect(run.stderr).toContain('checks failed');
  });
});

describe('produce', () => {
  it('replays a recording into Kafka, through to ClickHouse', async () => {
    const run = await runCli(
      ['produce', 'replay', 'producers/market/samples/bybit-linear.jsonl.gz', '--speed', 'max'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    const [, events] = /: (\d+) events to Kafka/.exec(run.stdout) ?? [];
    expect(Number(events)).toBeGreaterThan(0);
    await pipeline.waitForCount("SELECT count() FROM market_trades WHERE venue = 'bybit'", 1, 90_000);
  });
});
