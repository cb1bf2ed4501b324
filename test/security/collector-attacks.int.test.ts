import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../lib/time.js';
import { hashKey } from '../../producers/user/keys.js';
import { signRequest } from '../../producers/user/signature.js';
import { freePort } from '../../stack/kafka/broker.js';
import { APP_ORIGIN, suiteKeys, writeKeysFile } from '../collector-fixture.js';
import { aBrowserAction, aLogin, anOrder } from '../engine-user-builders.js';
import { type CollectorProcess, startCollectorProcess } from '../faults/collector-process.js';
import { type Pipeline, startPipeline } from '../pipeline-fixture.js';

const { engine: ENGINE_KEY, user: USER_KEY, browser: BROWSER_KEY } = suiteKeys('attack');
const SECRET = 'attack-suite-signing-secret-0123456789';
const ORIGIN = APP_ORIGIN;
/** Per key and client address, per window: small, so the floods below stay short. */
const LIMIT = 20;
const REQUEST_TIMEOUT_MS = 2_000;

interface Answer {
  status: number;
  body: string;
}

/**
 * The collector as its own process, attacked over real HTTP from loopback as a stranger
 * would, while a legitimate client keeps sending: every attack must be refused, and every
 * legitimate event acknowledged and stored in ClickHouse.
 */
describe('collector under attack (outside-attacker suite)', () => {
  let pipeline: Pipeline;
  let collector: CollectorProcess;
  let dir: string;

  /** One HTTP request; `from` picks the client address (any 127.x.y.z is loopback). */
  const send = (
    path: string,
    body: string,
    headers: Record<string, string>,
    from = '127.0.0.1',
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, collector.url);
      const req = request(
        url,
        {
          method: 'POST',
          localAddress: from,
          headers: { 'content-type': 'application/json', ...headers },
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const events = (...items: unknown[]) => JSON.stringify({ events: items });
  const signed = (body: string, secret = SECRET) => {
    const ts = String(Math.floor(Date.now() / 1000));
    return {
      authorization: `Bearer ${ENGINE_KEY}`,
      'x-tradewatch-timestamp': ts,
      'x-tradewatch-signature': signRequest(secret, ts, body),
    };
  };
  const browser = { 'x-api-key': BROWSER_KEY, origin: ORIGIN };
  const userKey = { authorization: `Bearer ${USER_KEY}` };

  /** A legitimate login sender running beside an attack; returns the ids it had acknowledged. */
  async function whileLegitimateTraffic(attack: () => Promise<void>): Promise<string[]> {
    const acknowledged: string[] = [];
    let running = true;
    const legit = (async () => {
      while (running || acknowledged.length < 3) {
        const login = aLogin({ source: 'test' });
        const res = await send('/v1/events', events(login), userKey, '127.0.0.9');
        expect(res.status, res.body).toBe(200);
        acknowledged.push(login.event_id);
        await sleep(20);
      }
    })();
    try {
      await attack();
    } finally {
      running = false;
      await legit;
    }
    return acknowledged;
  }

  const expectStored = (table: string, ids: string[]) =>
    pipeline.waitForCount(
      `SELECT count() FROM (SELECT DISTINCT event_id FROM ${table} WHERE event_id IN (${ids.map((id) => `'${id}'`).join(',')}))`,
      ids.length,
    );

  beforeAll(async () => {
    pipeline = await startPipeline();
    dir = mkdtempSync(join(tmpdir(), 'tw-collector-attacks-'));
    const keysFile = writeKeysFile(dir, {
      [ENGINE_KEY]: {
        id: 'engine',
        endpoint: 'engine',
        types: ['engine.order'],
        signing_secret_envs: ['ATTACK_ENGINE_SECRET'],
        rate_limit_max_requests: LIMIT,
      },
      [USER_KEY]: { id: 'user-svc', endpoint: 'user', types: ['user.login'] },
      [BROWSER_KEY]: {
        id: 'web',
        endpoint: 'user',
        types: ['user.browser_action'],
        origins: [ORIGIN],
        rate_limit_max_requests: LIMIT,
      },
    });
    const c = pipeline.config;
    collector = await startCollectorProcess({
      env: {
        KAFKA_BROKERS: c.KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PREFIX: c.KAFKA_TOPIC_PREFIX,
        ATTACK_ENGINE_SECRET: SECRET,
        COLLECTOR_RATE_LIMIT_WINDOW_MS: '600000',
        COLLECTOR_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        COLLECTOR_HEADERS_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS / 2),
        COLLECTOR_CONNECTION_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS * 2),
      },
      keysFile,
      port: await freePort(),
      logFile: join(dir, 'collector.log'),
    });
    // A shared 2-core machine can take minutes to migrate a fresh database.
  }, 600_000);

  afterAll(async () => {
    await collector?.stop();
    await pipeline?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('routes types named after Object.prototype members nowhere, and stays up for everyone', async () => {
    const hostile = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const ids = await whileLegitimateTraffic(async () => {
      for (const type of hostile) {
        const res = await send('/v1/events', events({ ...aBrowserAction(), type }), browser);
        expect(res.status, res.body).toBe(207);
        expect(JSON.parse(res.body).errors).toEqual([
          expect.objectContaining({
            index: 0,
            field: 'type',
            reason: expect.stringContaining('expected one of'),
          }),
        ]);
      }
    });
    await expectStored('user_logins', ids);
    const health = await fetch(`${collector.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('caps an oversized refused value so its dead letter fits the broker, and the producer keeps working', async () => {
    const ids = await whileLegitimateTraffic(async () => {
      for (let i = 0; i < 3; i += 1) {
        const res = await send(
          '/v1/events',
          events({ ...aBrowserAction(), type: 'x'.repeat(300_000) }),
          browser,
        );
        expect(res.status, res.body.slice(0, 200)).toBe(207);
        expect(res.body.length).toBeLessThan(2_000);
      }
    });
    await expectStored('user_logins', ids);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('refuses lone surrogates naming the field, never acknowledging what ClickHouse would drop', async () => {
    const ids = await whileLegitimateTraffic(async () => {
      const res = await send(
        '/v1/events',
        events({ ...aLogin({ source: 'test' }), device_id: 'ok\uD800' }),
        userKey,
      );
      expect(res.status, res.body).toBe(207);
      expect(JSON.parse(res.body).errors).toEqual([
        { index: 0, field: 'device_id', reason: expect.stringContaining('lone UTF-16 surrogate') },
      ]);
    });
    await expectStored('user_logins', ids);
  });

  it('takes server keys only from headers: ?key= is refused', async () => {
    const res = await send(`/v1/events?key=${USER_KEY}`, events(aLogin({ source: 'test' })), {});
    expect(res.status).toBe(401);
    expect(res.body).toContain('never ?key=');
  });

  it('counts a signed key only once its signature verifies: forgeries cannot exhaust it', async () => {
    const forged = await Promise.all(
      Array.from({ length: LIMIT * 2 }, () => {
        const body = events(anOrder());
        return send('/v1/engine/events', body, signed(body, 'guessed-secret-without-the-real-one'));
      }),
    );
    expect(forged.every((r) => r.status === 401)).toBe(true);
    const orders = Array.from({ length: 3 }, () => anOrder());
    for (const order of orders) {
      const body = events(order);
      const res = await send('/v1/engine/events', body, signed(body));
      expect(res.status, res.body).toBe(200);
    }
    await expectStored(
      'engine_orders',
      orders.map((o) => o.event_id),
    );
  });

  it('limits the public browser key per client address: one flooding browser does not lock out the others', async () => {
    const flood = await Promise.all(
      Array.from({ length: LIMIT + 10 }, () =>
        send('/v1/events', events(aBrowserAction()), browser, '127.0.0.2'),
      ),
    );
    expect(flood.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
    const others = Array.from({ length: 3 }, () => aBrowserAction());
    for (const [i, action] of others.entries()) {
      const res = await send('/v1/events', events(action), browser, `127.0.0.${3 + i}`);
      expect(res.status, res.body).toBe(200);
    }
    await expectStored(
      'user_browser_actions',
      others.map((a) => a.event_id),
    );
  });

  it('drops slow-loris connections (a body byte by byte) at the request timeout while others are served', async () => {
    const port = Number(new URL(collector.url).port);
    const sockets: Socket[] = [];
    const closed: Promise<number>[] = [];
    const opened = Date.now();
    for (let i = 0; i < 50; i += 1) {
      const socket = connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      socket.on('error', () => undefined);
      closed.push(new Promise((resolve) => socket.once('close', () => resolve(Date.now() - opened))));
      socket.write(
        `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${USER_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
      );
    }
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(' ');
    }, 200);
    try {
      const ids = await whileLegitimateTraffic(async () => {
        const lifetimes = await Promise.all(closed);
        // Bounded by the request timeout plus Node's 1 s check interval; generous for a shared machine.
        expect(Math.max(...lifetimes)).toBeLessThan(REQUEST_TIMEOUT_MS + 20_000);
      });
      await expectStored('user_logins', ids);
    } finally {
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    }
  });
});
