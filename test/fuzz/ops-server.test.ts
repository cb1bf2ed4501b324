import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../lib/service/metrics.js';
import { type OpsServer, startOpsServer } from '../../lib/service/ops-server.js';
import { testLog } from '../pipeline-fixture.js';
import { fuzzSeed } from './inputs.js';
import { FuzzReport } from './report.js';

const REQUESTS = 120;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch: fetch refuses some methods and normalises paths. */
const send = (url: string, method: string, path: string, headers: Record<string, string>) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });

/** Bytes that are not HTTP at all, straight onto the socket; resolves with what came back. */
const sendRaw = (url: string, bytes: Buffer) =>
  new Promise<string>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request: no answer in 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });

/**
 * The operations endpoints every service exposes, under fuzzed methods, paths, query
 * strings and headers, and bytes that are not HTTP: /healthz and /metrics answer GET,
 * other methods get 405 with Allow, other paths 404, garbage 400; the server always answers.
 */
describe('ops server under fuzzed requests', () => {
  let ops: OpsServer;
  let healthy = true;
  const report = new FuzzReport('ops-server', fuzzSeed);

  beforeAll(async () => {
    ops = await startOpsServer({
      port: 0,
      registry: createMetricsRegistry('fuzz'),
      health: () => {
        if (!healthy) throw new Error('dependency down');
        return { ok: true };
      },
      log: testLog,
    });
  });
  afterAll(async () => {
    report.write();
    await ops?.close();
  });

  it('answers every fuzzed request with the right status, and keeps answering', async () => {
    const requests = fc.sample(
      fc.record({
        method: fc.constantFrom(
          'GET',
          'POST',
          'PUT',
          'DELETE',
          'PATCH',
          'OPTIONS',
          'HEAD',
          'TRACE',
          'PROPFIND',
        ),
        path: fc.oneof(
          fc.constantFrom(
            '/healthz',
            '/metrics',
            '/',
            '//healthz',
            '/healthz/',
            '/HEALTHZ',
            '/%00',
            '/..%2f..%2fetc',
          ),
          fc.webPath(),
          fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((s) => `/${encodeURIComponent(s)}`),
        ),
        query: fc.oneof(
          fc.constant(''),
          fc.webQueryParameters().map((q) => `?${q}`),
        ),
        headerValue: fc
          .string({ unit: 'grapheme-ascii', maxLength: 200 })
          .filter((s) => /^[\x20-\x7e]*$/.test(s)),
      }),
      { seed: fuzzSeed, numRuns: REQUESTS },
    );
    const problems: string[] = [];
    for (const r of requests) {
      const path = (r.path.startsWith('/') ? r.path : `/${r.path}`) + r.query;
      const res = await send(ops.url, r.method, path, { 'x-fuzz': r.headerValue, accept: r.headerValue });
      const bare = path.split('?')[0];
      const expected = r.method !== 'GET' ? 405 : bare === '/healthz' || bare === '/metrics' ? 200 : 404;
      report.record(
        `${r.method === 'GET' ? 'GET' : 'other methods'} (ops server)`,
        expected === 200 ? 'accepted' : { rejected: String(res.status) },
      );
      if (res.status !== expected) problems.push(`${r.method} ${path}: ${res.status}, expected ${expected}`);
      if (res.status === 405 && res.headers.allow !== 'GET')
        problems.push(`${r.method} ${path}: 405 without Allow: GET`);
    }
    expect(problems).toEqual([]);
    expect((await send(ops.url, 'GET', '/healthz', {})).status).toBe(200);
  });

  it('answers bytes that are not HTTP with 400, and a failing health check with 503 and its reason', async () => {
    const garbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), {
      seed: fuzzSeed,
      numRuns: 20,
    });
    for (const bytes of [
      ...garbage,
      Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
    ]) {
      const answer = await sendRaw(ops.url, Buffer.from(bytes));
      report.record('raw bytes (ops server)', { rejected: answer.split('\r\n')[0] || '(closed)' });
      expect(answer === '' || answer.startsWith('HTTP/1.1 400')).toBe(true);
      expect((await send(ops.url, 'GET', '/metrics', {})).status).toBe(200);
    }
    healthy = false;
    const down = await send(ops.url, 'GET', '/healthz', {});
    healthy = true;
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({ ok: false, details: { error: 'dependency down' } });
  });
});
