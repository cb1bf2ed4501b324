import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../../producers/user/collector.js';
import { hashKey } from '../../producers/user/keys.js';
import { signRequest } from '../../producers/user/signature.js';
import { APP_ORIGIN, postTo, startTestCollector, suiteKeys } from '../collector-fixture.js';
import { aBrowserAction, aLogin, anOrder } from '../engine-user-builders.js';
import { type Pipeline, startPipeline } from '../pipeline-fixture.js';

const { engine: ENGINE_KEY, user: USER_KEY, browser: BROWSER_KEY } = suiteKeys('hardening');
const SECRET = 'engine-signing-secret-0123456789abcdef';
const NEXT_SECRET = 'engine-signing-secret-rotated-fedcba9876543210';
const BODY_LIMIT_BYTES = 32_768;
const BATCH_MAX_EVENTS = 50;
const WINDOW_S = 120;

/** The collector's controls over real HTTP, with the real broker and ClickHouse behind it. */
describe('collector hardening', () => {
  let pipeline: Pipeline;
  let collector: RunningCollector;
  const now = () => String(Math.floor(Date.now() / 1000));

  const post = postTo(() => collector);
  const signed = (body: string, secret = SECRET, timestamp = now()) => ({
    authorization: `Bearer ${ENGINE_KEY}`,
    'x-tradewatch-timestamp': timestamp,
    'x-tradewatch-signature': signRequest(secret, timestamp, body),
  });
  const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

  beforeAll(async () => {
    pipeline = await startPipeline();
    collector = await startTestCollector(
      pipeline.config,
      {
        [ENGINE_KEY]: {
          id: 'engine',
          endpoint: 'engine',
          types: ['engine.order', 'engine.execution'],
          signing_secret_envs: ['ENGINE_SECRET', 'ENGINE_SECRET_NEXT'],
        },
        [USER_KEY]: {
          id: 'user-svc',
          endpoint: 'user',
          types: ['user.login'],
          sources: ['test'],
          rate_limit_max_requests: 3,
        },
        [BROWSER_KEY]: { id: 'web', endpoint: 'user', types: ['user.browser_action'], origins: [APP_ORIGIN] },
      },
      {
        COLLECTOR_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
        COLLECTOR_BATCH_MAX_EVENTS: String(BATCH_MAX_EVENTS),
        COLLECTOR_SIGNATURE_WINDOW_S: String(WINDOW_S),
        // A long window: the rate-limit test must see exactly 3 pass, however slow the machine.
        COLLECTOR_RATE_LIMIT_WINDOW_MS: '600000',
      },
      { ENGINE_SECRET: SECRET, ENGINE_SECRET_NEXT: NEXT_SECRET },
    );
  });

  afterAll(async () => {
    await collector?.close();
    await pipeline?.close();
  });

  it('takes a signed batch (with either secret while rotating) and the rows reach ClickHouse', async () => {
    const orders = [anOrder(), anOrder()];
    for (const [order, secret] of [
      [orders[0], SECRET],
      [orders[1], NEXT_SECRET],
    ] as const) {
      const body = JSON.stringify({ events: [order] });
      const res = await post('/v1/engine/events', body, signed(body, secret));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    }
    await pipeline.waitForCount(
      `SELECT count() FROM engine_orders WHERE event_id IN ('${orders[0]?.event_id}', '${orders[1]?.event_id}')`,
      2,
    );
  });

  it('refuses unsigned, stale, future, altered and wrongly keyed requests with a 401 naming the problem', async () => {
    const body = JSON.stringify({ events: [anOrder()] });
    const key = { authorization: `Bearer ${ENGINE_KEY}` };
    const cases: [Record<string, string>, string][] = [
      [key, 'key engine: missing X-Tradewatch-Timestamp header; this key requires signed requests'],
      [{ ...key, 'x-tradewatch-timestamp': now() }, 'key engine: missing X-Tradewatch-Signature header'],
      [
        signed(body, SECRET, String(Number(now()) - WINDOW_S - 60)),
        `key engine: stale timestamp: X-Tradewatch-Timestamp is`,
      ],
      [signed(body, SECRET, String(Number(now()) + WINDOW_S + 60)), 'stale timestamp'],
      [{ ...signed(body), 'x-tradewatch-signature': 'sha256=00' }, 'must be v1=<64 hex characters'],
      [signed(body, 'an-attacker-guessed-secret-of-some-length'), 'key engine: bad signature'],
    ];
    for (const [headers, reason] of cases) {
      const res = await post('/v1/engine/events', body, headers);
      expect(res.status, reason).toBe(401);
      expect(await errorOf(res)).toContain(reason);
    }
    // Signed for one body, sent with another: the signature covers the exact bytes.
    const altered = await post('/v1/engine/events', body.replace('"events"', ' "events"'), signed(body));
    expect(altered.status).toBe(401);
    expect(await errorOf(altered)).toContain('bad signature');
    // A replayed timestamp with a fresh body is still bound to the old body.
    const ts = now();
    const other = JSON.stringify({ events: [anOrder()] });
    const spliced = await post('/v1/engine/events', other, { ...signed(body, SECRET, ts) });
    expect(spliced.status).toBe(401);
  });

  it('stores only hashes and compares in constant time: a key is found by its plaintext only', async () => {
    const body = JSON.stringify({ events: [aLogin()] });
    // The stored hash presented as a key is not the key.
    const byHash = await post('/v1/events', body, { authorization: `Bearer ${hashKey(USER_KEY)}` });
    expect(byHash.status).toBe(401);
    expect(await errorOf(byHash)).toBe('missing or unknown API key');
    // Scope: a user key cannot post engine events, and claims only its own sources.
    expect((await post('/v1/engine/events', body, { authorization: `Bearer ${USER_KEY}` })).status).toBe(403);
    const foreign = await post('/v1/events', JSON.stringify({ events: [aLogin({ source: 'wallet' })] }), {
      authorization: `Bearer ${USER_KEY}`,
    });
    expect(await foreign.json()).toMatchObject({
      accepted: 0,
      errors: [
        {
          index: 0,
          field: 'source',
          reason: '"wallet" is not allowed for key user-svc; expected one of test',
        },
      ],
    });
  });

  it('takes browser keys only from their allowed origins', async () => {
    const body = JSON.stringify({ events: [aBrowserAction()] });
    const ok = await post(`/v1/events?key=${BROWSER_KEY}`, body, {
      origin: APP_ORIGIN,
      'content-type': 'text/plain',
    });
    expect(ok.status).toBe(200);
    const evil = await post(`/v1/events?key=${BROWSER_KEY}`, body, { origin: 'https://evil.example.com' });
    expect(evil.status).toBe(403);
    expect(await errorOf(evil)).toBe('origin https://evil.example.com is not allowed for key web');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses an oversized body and an oversized batch with 413 naming the limit', async () => {
    const big = JSON.stringify({ events: [aBrowserAction({ page: `/${'x'.repeat(BODY_LIMIT_BYTES)}` })] });
    const tooBig = await post('/v1/engine/events', big, signed(big));
    expect(tooBig.status).toBe(413);
    expect(await errorOf(tooBig)).toBe(`body larger than ${BODY_LIMIT_BYTES} bytes`);
    const many = JSON.stringify({ events: Array.from({ length: BATCH_MAX_EVENTS + 1 }, () => anOrder()) });
    const tooMany = await post('/v1/engine/events', many, signed(many));
    expect(tooMany.status).toBe(413);
    expect(await errorOf(tooMany)).toBe(`at most ${BATCH_MAX_EVENTS} events per request`);
  });

  it('sends security headers on every response, refusals and 404s included', async () => {
    const body = JSON.stringify({ events: [] });
    const responses = [
      await post('/v1/engine/events', body, signed(body)),
      await post('/v1/engine/events', body),
      await post('/v1/engine/events', '{"events": [', signed('{"events": [')),
      await fetch(`${collector.url}/v1/events`, { method: 'OPTIONS', headers: { origin: APP_ORIGIN } }),
      await fetch(`${collector.url}/no-such-path`),
      await fetch(`${collector.url}/healthz`),
      await fetch(`${collector.url}/metrics`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 401, 400, 204, 404, 200, 200]);
    for (const res of responses) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
      // Plain HTTP here: HSTS belongs to whoever terminates TLS.
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('rate-limits per key with 429 and the same headers', async () => {
    const body = JSON.stringify({ events: [] });
    const auth = { authorization: `Bearer ${USER_KEY}` };
    // Earlier tests in this file used user-svc twice (3 allowed per window).
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/events', body, auth);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(statuses).toContain(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited?.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
