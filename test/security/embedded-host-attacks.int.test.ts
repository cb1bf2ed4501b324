import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';
import { createClickHouse, queryNumber } from '../../lib/clickhouse/client.js';
import { hostSecretsFile, loadHostSecrets } from '../../stack/clickhouse/host-secrets.js';
import { dockerBackend } from '../docker-engine.js';
import { clickhouseAuth, isolatedConfig } from '../pipeline-fixture.js';

/**
 * The embedded ClickHouse host (the shared test stack's real process), attacked over HTTP
 * from loopback as any local process or web page could, while a legitimate client keeps
 * inserting and reading: every attack is refused, every legitimate row answered and stored.
 */
// About the embedded host itself: nothing to attack under TEST_BACKEND=docker.
describe.skipIf(dockerBackend)('embedded ClickHouse host under attack (outside-attacker suite)', () => {
  const url = inject('clickhouseUrl');
  const config = isolatedConfig();
  const db = config.CLICKHOUSE_DATABASE;
  const scratch = mkdtempSync(join(tmpdir(), 'tw-host-attacks-'));
  const legit = createClickHouse({ ...config, database: db });
  let bystander: Server;
  let bystanderHits = 0;
  let bystanderUrl = '';
  let sent = 0;

  const post = (sql: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    fetch(`${url}/?${new URLSearchParams({ database: db, ...params })}`, {
      method: 'POST',
      body: sql,
      headers: { ...clickhouseAuth(), ...headers },
    });

  /** Sends `attack`, expects a refusal with `code`, and checks legitimate traffic went on meanwhile. */
  async function refused(
    attack: Promise<Response>,
    code: string | string[],
    reason?: RegExp,
  ): Promise<string> {
    const insert = legit.insert({
      table: 'kv',
      values: [{ k: `legit-${sent}`, v: sent }],
      format: 'JSONEachRow',
    });
    sent += 1;
    const [res] = await Promise.all([attack, insert]);
    const text = await res.text();
    expect(res.status, text).not.toBe(200);
    expect([code].flat(), text).toContain(res.headers.get('x-clickhouse-exception-code'));
    if (reason) expect(text).toMatch(reason);
    expect(text).not.toContain('root:');
    return text;
  }

  beforeAll(async () => {
    bystander = createServer((_req, res) => {
      bystanderHits += 1;
      res.end('a,b\n');
    });
    await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
    bystanderUrl = `http://127.0.0.1:${(bystander.address() as AddressInfo).port}/`;
    const admin = createClickHouse(config);
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
    await admin.close();
    await legit.command({ query: 'CREATE TABLE kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k' });
  }, 600_000);

  afterAll(async () => {
    // Everything the legitimate client sent during the attacks is there.
    expect(await queryNumber(legit, 'SELECT count() FROM kv')).toBe(sent);
    await legit.close();
    const admin = createClickHouse(config);
    await admin.command({ query: `DROP DATABASE IF EXISTS ${db} SYNC` });
    await admin.close();
    await new Promise((resolve) => bystander.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps its generated password in a file only its owner can read, and refuses requests without it', async () => {
    const dataDir = join(inject('stackDir'), 'clickhouse', 'data');
    expect(statSync(hostSecretsFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(loadHostSecrets(dataDir, '').password).toBe(inject('clickhousePassword'));
    await refused(fetch(`${url}/?query=SELECT+1`), '516');
    await refused(fetch(`${url}/`, { method: 'POST', body: 'SELECT 1' }), '516');
    await refused(
      fetch(`${url}/?query=SELECT+1`, {
        headers: { authorization: `Basic ${Buffer.from('default:').toString('base64')}` },
      }),
      '516',
    );
  });

  it('refuses table functions that reach files, the network or processes, however they are dressed', async () => {
    const reads = [
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "select * from FILE('/etc/passwd', LineAsString) /* comment */",
      "SELECT * FROM (SELECT * FROM (SELECT * FROM file('/etc/passwd', 'LineAsString')))",
      "WITH x AS (SELECT * FROM file('/etc/passwd', 'LineAsString')) SELECT * FROM x",
      "SELECT * FROM kv JOIN file('/etc/passwd', 'LineAsString') AS f ON 1 = 1",
      "SELECT * FROM view(SELECT * FROM file('/etc/passwd', 'LineAsString'))",
      "SELECT * FROM merge('system', 'one') UNION ALL SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT length(file('/etc/passwd'))",
      "DESCRIBE file('/etc/passwd', 'LineAsString')",
      "SELECT * FROM file({p:String}, 'LineAsString')",
      `SELECT * FROM url('${bystanderUrl}', CSV)`,
      `SELECT * FROM urlCluster('default', '${bystanderUrl}', CSV)`,
      "SELECT * FROM s3('http://127.0.0.1:1/b/k.csv')",
      "SELECT * FROM remote('127.0.0.1:1', system.one)",
      "SELECT * FROM remoteSecure('127.0.0.1:1', system.one)",
      "SELECT * FROM executable('id', TSV, 'x String')",
      "SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')",
      "SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')",
      "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', CSV)",
      "SELECT * FROM jdbc('x', 'y', 'z')",
      "SELECT * FROM odbc('x', 'y', 'z')",
      "SELECT * FROM azureBlobStorage('http://127.0.0.1:1', 'c', 'b')",
      "SELECT * FROM sqlite('/etc/passwd', 't')",
      "SELECT * FROM icebergLocal('/etc')",
      "SELECT * FROM fileCluster('default', '/etc/passwd')",
    ];
    for (const sql of reads) await refused(post(sql, { param_p: '/etc/passwd' }), '497', /not allowed/);
    expect(bystanderHits).toBe(0);
  });

  it('refuses writes to files and tables or dictionaries backed by files, URLs or programs', async () => {
    const target = join(scratch, 'written.csv');
    const writes = [
      `INSERT INTO FUNCTION file('${target}', 'CSV') SELECT 1`,
      `CREATE TABLE f ENGINE = File(CSV, '${target}') AS SELECT 1`,
      `CREATE TABLE u (a String) ENGINE = URL('${bystanderUrl}', CSV)`,
      `CREATE TABLE u2 AS url('${bystanderUrl}', CSV)`,
      `CREATE TABLE e (a String) ENGINE = Executable('id', TSV)`,
      `CREATE TABLE l (a String) ENGINE = FileLog('/etc', 'LineAsString')`,
      `CREATE TABLE m ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM file('/etc/passwd', 'LineAsString')`,
      `CREATE VIEW v AS SELECT * FROM file('/etc/passwd', 'LineAsString')`,
      "CREATE DICTIONARY d (id UInt64) PRIMARY KEY id SOURCE(FILE(path '/etc/passwd' format 'CSV')) LAYOUT(FLAT()) LIFETIME(0)",
      `CREATE DICTIONARY d2 (id UInt64) PRIMARY KEY id SOURCE(HTTP(url '${bystanderUrl}' format 'CSV')) LAYOUT(FLAT()) LIFETIME(0)`,
      "CREATE DICTIONARY d3 (id UInt64) PRIMARY KEY id SOURCE(EXECUTABLE(command 'id' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
      `SELECT 1 INTO OUTFILE '${target}'`,
      "INSERT INTO kv FROM INFILE '/etc/passwd' FORMAT LineAsString",
      `BACKUP TABLE kv TO File('${target}')`,
      `ATTACH TABLE a FROM '${scratch}' (k String) ENGINE = MergeTree ORDER BY k`,
      'SYSTEM SHUTDOWN',
      'SYSTEM DROP DNS CACHE',
      "SELECT 1 FORMAT Template SETTINGS format_template_row = '/etc/passwd'",
    ];
    for (const sql of writes) await refused(post(sql), '497', /not allowed/);
    // A VALUES row is evaluated outside the statement's tree: only literals are taken.
    await refused(
      post("INSERT INTO kv VALUES (file('/etc/passwd'), 1)"),
      '344',
      /Interpreting expressions is disabled/,
    );
    await refused(
      post(
        "INSERT INTO kv SETTINGS input_format_values_interpret_expressions = 1 VALUES (file('/etc/passwd'), 1)",
      ),
      '497',
    );
    expect(existsSync(target)).toBe(false);
    expect(bystanderHits).toBe(0);
  });

  it('runs exactly one statement per request: nothing hides behind a semicolon', async () => {
    await refused(post("SELECT 1; INSERT INTO kv VALUES ('smuggled', 1)"), '62', /Multi-statements/);
    await refused(post("INSERT INTO kv VALUES ('a', 1); DROP TABLE kv"), '497', /";"/);
    // Rows after a statement sent in `query` are data: ClickHouse fails to parse them as rows.
    await refused(post('DROP TABLE kv', { query: "INSERT INTO kv VALUES ('b', 2)" }), '27');
    await refused(post(';DROP TABLE kv', { query: "INSERT INTO kv VALUES ('b', 2)" }), '497', /";"/);
    expect(await queryNumber(legit, "SELECT count() FROM kv WHERE k IN ('smuggled', 'a', 'b')")).toBe(0);
  });

  it('is read-only over GET, for `readonly` requests and for the analyst user, whatever SETTINGS say', async () => {
    const get = (sql: string, params: Record<string, string> = {}, auth = clickhouseAuth()) =>
      fetch(`${url}/?${new URLSearchParams({ database: db, query: sql, ...params })}`, { headers: auth });
    await refused(get("INSERT INTO kv VALUES ('get', 1)"), '497', /read-only/);
    await refused(get('CREATE TABLE g (a UInt8) ENGINE = Memory'), '497', /read-only/);
    await refused(get("SELECT * FROM url('http://127.0.0.1:1/', CSV)"), '497');
    for (const lift of ['DEFAULT', '0', '2']) {
      // Refused by the host (497) or, where the engine checks the value itself, by ClickHouse (164).
      await refused(
        post(`INSERT INTO kv SELECT 'lifted', 1 SETTINGS readonly = ${lift}`, { readonly: '1' }),
        ['497', '164'],
      );
      await refused(post(`SELECT * FROM kv SETTINGS readonly = ${lift}`, { readonly: '1' }), ['497', '164']);
    }
    const analyst = {
      authorization: `Basic ${Buffer.from(`analyst:${loadHostSecrets(join(inject('stackDir'), 'clickhouse', 'data'), '').analystPassword}`).toString('base64')}`,
    };
    const asAnalyst = (sql: string, params: Record<string, string> = {}) =>
      fetch(`${url}/?${new URLSearchParams({ database: db, ...params })}`, {
        method: 'POST',
        body: sql,
        headers: analyst,
      });
    await refused(asAnalyst("INSERT INTO kv VALUES ('analyst', 1)", { readonly: '0' }), '497', /read-only/);
    await refused(asAnalyst('SELECT 1 SETTINGS readonly = DEFAULT'), '497');
    const read = await asAnalyst('SELECT count() >= 0 FROM kv');
    expect(read.status, await read.clone().text()).toBe(200);
    expect(await queryNumber(legit, "SELECT count() FROM kv WHERE k IN ('get', 'lifted', 'analyst')")).toBe(
      0,
    );
  });

  it('`tradewatch sql` cannot write or read files by any SETTINGS trick', async () => {
    const env = { CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: db };
    const attempts = [
      "INSERT INTO kv SELECT 'cli', 1 SETTINGS readonly = DEFAULT",
      "SELECT * FROM file('/etc/passwd', 'LineAsString') SETTINGS readonly = 0",
      'SELECT * FROM kv SETTINGS readonly = 2',
    ];
    const runs = await Promise.all(attempts.map((sql) => runCli(['sql', sql], env)));
    for (const run of runs) {
      expect(run.code, run.stdout).toBe(1);
      expect(run.stdout).not.toContain('root:');
      expect(run.stderr).toMatch(/refused/);
    }
    expect(await queryNumber(legit, "SELECT count() FROM kv WHERE k = 'cli'")).toBe(0);
  });

  it('refuses web pages (any Origin) and foreign Host names (DNS rebinding)', async () => {
    await refused(
      post(
        "INSERT INTO kv VALUES ('csrf', 1)",
        {},
        { origin: 'http://evil.example', 'content-type': 'text/plain' },
      ),
      '497',
      /Origin/,
    );
    const rebinding = await new Promise<{ status: number; code: unknown }>((resolve, reject) => {
      // fetch cannot set Host; a raw request can, as a rebinding page's browser would.
      const headers = { host: 'evil.example', ...clickhouseAuth() };
      const req = request(`${url}/?query=SELECT+1`, { headers }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, code: res.headers['x-clickhouse-exception-code'] });
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebinding).toEqual({ status: 403, code: '497' });
    expect(await queryNumber(legit, "SELECT count() FROM kv WHERE k = 'csrf'")).toBe(0);
  });

  it('lets no request leave settings or a current database behind for the next', async () => {
    await refused(post('SET max_result_rows = 1'), '497');
    await refused(post('USE system'), '497');
    // Settings and a database given for one request (URL parameters) apply to that one only.
    const scoped = await post("SELECT currentDatabase(), getSetting('max_result_rows')", {
      max_result_rows: '1',
      database: 'system',
    });
    expect((await scoped.text()).trim()).toBe('system\t1');
    const next = await fetch(`${url}/`, {
      method: 'POST',
      body: "SELECT currentDatabase(), getSetting('max_result_rows') FROM numbers(3) FORMAT JSONCompact",
      headers: clickhouseAuth(),
    });
    const body = (await next.json()) as { data: unknown[][] };
    expect(body.data).toEqual([
      ['default', 0],
      ['default', 0],
      ['default', 0],
    ]);
  });

  it('refuses to listen beyond loopback without a password of its own', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'stack/clickhouse/main.ts'], {
      env: {
        ...process.env,
        CLICKHOUSE_DATA_DIR: join(scratch, 'exposed'),
        CLICKHOUSE_HTTP_HOST: '0.0.0.0',
        CLICKHOUSE_HTTP_PORT: '0',
        CLICKHOUSE_PASSWORD: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(output).toContain('beyond loopback');
    expect(output).not.toContain('"listening"');
  });
});
