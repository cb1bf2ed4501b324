import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse, queryRows } from '../../lib/clickhouse/client.js';
import { dockerBackend } from '../../test/docker-engine.js';
import { clickhouseAuth, isolatedConfig } from '../../test/pipeline-fixture.js';

/** The embedded engine's HTTP interface, spoken to as curl and @clickhouse/client would. */
// About the embedded host itself: nothing to attack under TEST_BACKEND=docker.
describe.skipIf(dockerBackend)('ClickHouse HTTP interface over the embedded engine', () => {
  const url = inject('clickhouseUrl');
  const config = isolatedConfig();
  const db = config.CLICKHOUSE_DATABASE;
  const post = (
    params: Record<string, string>,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${url}/?${new URLSearchParams(params)}`, {
      method: 'POST',
      body,
      headers: { ...clickhouseAuth(), ...headers },
    });

  beforeAll(async () => {
    expect((await post({}, `CREATE DATABASE ${db}`)).status).toBe(200);
    expect(
      (await post({ database: db }, 'CREATE TABLE kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k'))
        .status,
    ).toBe(200);
  });
  afterAll(async () => {
    await post({}, `DROP DATABASE IF EXISTS ${db} SYNC`);
  });

  it('answers /ping like a server', async () => {
    const res = await fetch(`${url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ok.\n');
  });

  it('runs GET queries with default_format and sets the X-ClickHouse headers', async () => {
    const res = await fetch(
      `${url}/?${new URLSearchParams({ query: 'SELECT 1 AS one', default_format: 'JSONEachRow', query_id: 'q-1' })}`,
      { headers: clickhouseAuth() },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"one":1}\n');
    expect(res.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary') ?? '{}')).toHaveProperty('elapsed_ns');
  });

  it('takes insert data in the body after the query parameter, plain or gzip', async () => {
    const insert = { database: db, query: 'INSERT INTO kv FORMAT JSONEachRow' };
    expect((await post(insert, '{"k":"a","v":1}\n{"k":"b","v":2}\n')).status).toBe(200);
    const gz = await post(insert, gzipSync('{"k":"c","v":3}\n'), { 'Content-Encoding': 'gzip' });
    expect(gz.status).toBe(200);
    const res = await post({ database: db }, 'SELECT sum(v) FROM kv');
    expect(await res.text()).toBe('6\n');
  });

  it('returns ClickHouse error codes, statuses and text', async () => {
    const missing = await post({ database: db }, 'SELECT * FROM no_such_table');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await missing.text()).toMatch(
      /^Code: 60\. DB::Exception: .*no_such_table.*\(UNKNOWN_TABLE\) \(version [\d.]+\)\n$/s,
    );
    const syntax = await post({}, 'SELEC 1');
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
    const noDb = await post({ database: 'no_such_database' }, 'SELECT 1');
    expect(noDb.status).toBe(404);
    expect(noDb.headers.get('x-clickhouse-exception-code')).toBe('81');
  });

  it('applies settings to one request only', async () => {
    const withSetting = await post({ max_threads: '1' }, "SELECT getSetting('max_threads')");
    expect(await withSetting.text()).toBe('1\n');
    const without = await post({}, "SELECT getSetting('max_threads') > 1 OR getSetting('max_threads') = 0");
    expect(await without.text()).toBe('1\n');
  });

  it('answers other requests while a slow query runs, each with only its own settings', async () => {
    // ~3 s in the engine (a row every 0.5 s), with a setting of its own for its whole run.
    const slow = post(
      { max_block_size: '1', max_threads: '1', default_format: 'TSV' },
      'SELECT sum(sleepEachRow(0.5)) FROM numbers(6)',
    ).then(async (res) => ({ status: res.status, text: await res.text(), finishedAt: performance.now() }));
    // Give the slow request time to reach the engine before the others are sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const quick = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const res = await post({}, "SELECT getSetting('max_threads') != 1");
        return { text: await res.text(), finishedAt: performance.now() };
      }),
    );
    const done = await slow;
    expect(done).toMatchObject({ status: 200, text: '0\n' });
    for (const q of quick) {
      // Served beside the slow query, not after it, and without its max_threads.
      expect(q.text).toBe('1\n');
      expect(q.finishedAt).toBeLessThan(done.finishedAt);
    }
  });

  it('binds param_ values sent in escaped text form, as @clickhouse/client sends them', async () => {
    const client = createClickHouse({ ...config, CLICKHOUSE_URL: url, database: db });
    const rows = await queryRows<{ s: string; n: number; a: string[] }>(
      client,
      'SELECT {s:String} AS s, {n:UInt32} + 1 AS n, {a:Array(String)} AS a',
      { s: "it's\ta \\ test", n: 41, a: ["x'y", 'z'] },
    );
    await client.close();
    expect(rows).toEqual([{ s: "it's\ta \\ test", n: 42, a: ["x'y", 'z'] }]);
  });

  it('refuses a query whose parameter was not sent, even if an earlier request set it', async () => {
    await post({ param_p: 'earlier' }, 'SELECT {p:String}');
    const res = await post({}, 'SELECT {p:String}');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('456');
  });

  it('runs the engine with schedule pools large enough for a Kafka table per topic', async () => {
    const res = await post(
      { default_format: 'JSONEachRow' },
      "SELECT value FROM system.server_settings WHERE name = 'background_schedule_pool_size'",
    );
    expect(await res.json()).toEqual({ value: '32' });
  });

  it('refuses a wrong password with AUTHENTICATION_FAILED', async () => {
    const res = await fetch(`${url}/?query=SELECT+1`, {
      headers: { Authorization: `Basic ${Buffer.from('default:nope').toString('base64')}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('516');
  });
});
