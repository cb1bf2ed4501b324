import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerBackend } from '../docker-engine.js';
import { clickhouseAuth, isolatedConfig } from '../pipeline-fixture.js';
import { fuzzSeed } from './inputs.js';
import { FuzzReport } from './report.js';

const REQUESTS = 80;
const REQUEST_TIMEOUT_MS = 60_000;

/** The engine's answer to a failed query, as a ClickHouse server words it. */
const CLICKHOUSE_ERROR = /^Code: \d+\. DB::Exception: [\s\S]*\(version [\d.]+\)\n$/;

/** Real settings (harmless values keep them so, hostile ones are refused) and names that are none. */
const settingNames = [
  'max_threads',
  'max_result_rows',
  'max_block_size',
  'result_overflow_mode',
  'no_such_setting',
  'bad-name',
  'x y',
];
const sqlBodies = [
  'SELECT 1',
  'SELECT {n:UInt32} + 1',
  'SELECT {s:String}',
  'SELECT count() FROM kv',
  'INSERT INTO kv FORMAT JSONEachRow',
  'SELEC 1',
  "SELECT '\\",
  'SELECT * FROM no_such_table',
  'SELECT sleepEachRow(0) FROM numbers(10)',
  '',
];

/**
 * The embedded engine's HTTP interface (stack/clickhouse/http-interface.ts) under fuzzed
 * query strings, URL parameters, settings, bodies, encodings and headers: every request gets
 * a result or a ClickHouse error (code header, `Code: N. DB::Exception: …` text), and leaves
 * nothing behind: the session's changed settings and database are as before, and the engine
 * still answers.
 */
// About the embedded host itself: nothing to attack under TEST_BACKEND=docker.
describe.skipIf(dockerBackend)('ClickHouse HTTP interface under fuzzed requests', () => {
  const url = inject('clickhouseUrl');
  const db = isolatedConfig().CLICKHOUSE_DATABASE;
  const report = new FuzzReport('clickhouse-http', fuzzSeed);
  const send = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { ...clickhouseAuth(), ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  /** What a request could leave behind in the shared session: changed settings. */
  const fingerprint = async () =>
    (
      await send('/', {
        method: 'POST',
        body: "SELECT groupArray((name, value)) FROM (SELECT name, value FROM system.settings WHERE changed AND name != 'default_format' ORDER BY name)",
      })
    ).text();

  beforeAll(async () => {
    expect((await send('/', { method: 'POST', body: `CREATE DATABASE ${db}` })).status).toBe(200);
    const create = 'CREATE TABLE kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k';
    expect((await send(`/?database=${db}`, { method: 'POST', body: create })).status).toBe(200);
  });
  afterAll(async () => {
    report.write();
    await send('/', { method: 'POST', body: `DROP DATABASE IF EXISTS ${db} SYNC` });
  });

  it('answers every fuzzed request with a result or a ClickHouse error, and leaves the session as it was', async () => {
    const before = await fingerprint();
    const requests = fc.sample(
      fc.record({
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
          fc.constantFrom('PUT', 'DELETE', 'PATCH'),
        ),
        path: fc.oneof(
          { weight: 6, arbitrary: fc.constant('/') },
          fc.constantFrom('/ping', '/play', '//', '/%ff'),
        ),
        sql: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...sqlBodies) },
          fc.string({ maxLength: 120 }),
          fc.constant('x'.repeat(200_000)),
        ),
        inUrl: fc.boolean(),
        settings: fc.array(
          fc.tuple(
            fc.constantFrom(...settingNames),
            fc.oneof(
              fc.constantFrom('1', '0', 'break', '-1', "'", '\\', '\u0000'),
              fc.string({ maxLength: 20 }),
            ),
          ),
          { maxLength: 3 },
        ),
        params: fc.array(
          fc.tuple(
            fc.constantFrom('n', 's', 'bad-name', ''),
            fc.oneof(
              fc.constantFrom('1', "it's", '\\N', '\\', '\u00ff', '99999999999'),
              fc.string({ maxLength: 20 }),
            ),
          ),
          { maxLength: 2 },
        ),
        database: fc.constantFrom(db, db, 'no_such_database', 'a`b', ''),
        format: fc.constantFrom(undefined, 'JSONEachRow', 'CSV', 'NoSuchFormat'),
        encoding: fc.constantFrom(undefined, undefined, 'gzip', 'deflate', 'gzip-garbage', 'br'),
        auth: fc.constantFrom(undefined, undefined, 'Basic !!!', 'Basic ZGVmYXVsdDp3cm9uZw==', 'Bearer x'),
      }),
      { seed: fuzzSeed, numRuns: REQUESTS },
    );
    const problems: string[] = [];
    for (const [i, r] of requests.entries()) {
      const params = new URLSearchParams();
      if (r.inUrl) params.set('query', r.sql);
      if (r.database !== '') params.set('database', r.database);
      if (r.format) params.set('default_format', r.format);
      for (const [name, value] of r.settings) params.append(name, value);
      for (const [name, value] of r.params) params.append(`param_${name}`, value);
      const plain = Buffer.from(r.inUrl ? (r.sql.startsWith('INSERT') ? '{"k":"a","v":1}\n' : '') : r.sql);
      const encoded: Record<string, Buffer> = {
        gzip: gzipSync(plain),
        deflate: deflateSync(plain),
        'gzip-garbage': Buffer.from([0x1f, 0x8b, 1, 2, 3]),
      };
      const body = (r.encoding && encoded[r.encoding]) || plain;
      const headers: Record<string, string> = {};
      if (r.encoding) headers['content-encoding'] = r.encoding.replace('-garbage', '');
      if (r.auth) headers.authorization = r.auth;
      const show = `#${i} ${r.method} ${r.path}?${params.toString().slice(0, 120)}`;
      let res: Response;
      try {
        res = await send(`${r.path}?${params}`, {
          method: r.method,
          headers,
          ...(r.method === 'GET' ? {} : { body }),
        });
      } catch (err) {
        report.tally('ClickHouse HTTP interface').crashesOrStalls += 1;
        problems.push(`${show}: no answer (${(err as Error).message})`);
        continue;
      }
      const text = await res.text();
      // Node's HTTP parser refuses a URL over 16 KiB before any handler runs (a server refuses
      // one over 1 MiB the same way): a clear status, and nothing reaches the engine.
      if (res.status === 431) {
        report.record('ClickHouse HTTP interface', { rejected: '431 URL too long' });
        continue;
      }
      report.record(
        'ClickHouse HTTP interface',
        res.status === 200
          ? 'accepted'
          : {
              rejected: `${res.status} ${res.headers.get('x-clickhouse-exception-code') ?? text.slice(0, 30)}`,
            },
      );
      const known = r.path === '/';
      if (res.status !== 200 && known && ['GET', 'POST'].includes(r.method)) {
        if (!CLICKHOUSE_ERROR.test(text))
          problems.push(`${show}: ${res.status} without a ClickHouse error: ${text.slice(0, 200)}`);
        if (!/^\d+$/.test(res.headers.get('x-clickhouse-exception-code') ?? ''))
          problems.push(`${show}: ${res.status} without X-ClickHouse-Exception-Code`);
      }
      if (res.status >= 500 && !res.headers.get('x-clickhouse-exception-code'))
        problems.push(`${show}: ${res.status} ${text.slice(0, 200)}`);
      const after = await fingerprint();
      if (after !== before) {
        problems.push(`${show}: left settings changed: ${after.trim()} (was ${before.trim()})`);
        break;
      }
    }
    expect(problems).toEqual([]);
    expect(await (await send('/ping')).text()).toBe('Ok.\n');
  });
});
