import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { APP_ORIGIN, postTo, startTestCollector, suiteKeys } from '../../test/collector-fixture.js';
import {
  aBrowserAction,
  aDeposit,
  aLogin,
  anApiKeyChange,
  anExecution,
  anOrder,
  aWithdrawal,
} from '../../test/engine-user-builders.js';
import { validEvents } from '../../test/fuzz/valid-events.js';
import { type Pipeline, startPipeline } from '../../test/pipeline-fixture.js';
import { readTopic } from '../../test/read-topic.js';

import type { RunningCollector } from './collector.js';

const { engine: ENGINE_KEY, user: USER_KEY, browser: BROWSER_KEY } = suiteKeys('collector');
const FLOOD_KEY = 'tw_sk_flood-test-key';
const LISTING_KEY = 'tw_sk_listing-test-key';
const BODY_LIMIT_BYTES = 65_536;

const userTypes = ['user.login', 'user.deposit', 'user.withdrawal', 'user.api_key', 'user.browser_action'];

/** The collector over real HTTP on loopback, with the real broker and ClickHouse behind it. */
describe('collector', () => {
  let pipeline: Pipeline;
  let collector: RunningCollector;

  const post = postTo(() => collector);
  const asUser = { authorization: `Bearer ${USER_KEY}` };

  beforeAll(async () => {
    pipeline = await startPipeline();
    collector = await startTestCollector(
      pipeline.config,
      {
        [USER_KEY]: { id: 'user-svc', endpoint: 'user', types: userTypes, sources: ['test'] },
        [ENGINE_KEY]: { id: 'engine', endpoint: 'engine', types: ['engine.order', 'engine.execution'] },
        [LISTING_KEY]: { id: 'listing-team', endpoint: 'engine', types: ['listing.announcement'] },
        [FLOOD_KEY]: { id: 'flood', endpoint: 'user', types: ['user.login'], rate_limit_max_requests: 5 },
        [BROWSER_KEY]: { id: 'web', endpoint: 'user', types: ['user.browser_action'], origins: [APP_ORIGIN] },
      },
      {
        COLLECTOR_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
        COLLECTOR_BATCH_MAX_EVENTS: '100',
        // A long window: the flood test must see exactly 5 pass, however slow the machine.
        COLLECTOR_RATE_LIMIT_WINDOW_MS: '60000',
        COLLECTOR_RATE_LIMIT_MAX_REQUESTS: '1000',
      },
    );
  });

  afterAll(async () => {
    await collector?.close();
    await pipeline?.close();
  });

  it('acknowledges a valid batch of every user type, and the rows reach ClickHouse', async () => {
    const events = [aLogin(), aDeposit(), aWithdrawal(), anApiKeyChange(), aBrowserAction()];
    const res = await post('/v1/events', { events }, asUser);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 5, rejected: 0, errors: [] });
    const ids = (table: string, n: number) =>
      pipeline.waitForCount(
        `SELECT count(DISTINCT event_id) FROM ${table} WHERE event_id IN (${events.map((e) => `'${e.event_id}'`).join(',')})`,
        n,
      );
    await ids('user_logins', 1);
    await ids('user_funds', 2);
    await ids('user_api_keys', 1);
    await ids('user_browser_actions', 1);
    // The collector is the producer of HTTP events: it stamps produced_at itself.
    expect(
      await queryNumber(
        pipeline.clickhouse,
        `SELECT toUnixTimestamp64Milli(produced_at) FROM user_logins WHERE event_id = '${events[0]?.event_id}'`,
      ),
    ).toBeGreaterThanOrEqual(events[0]?.produced_at ?? 0);
  });

  it('answers a mixed batch with exact per-item errors and dead-letters every refused item', async () => {
    const good = aLogin();
    const res = await post(
      '/v1/events',
      {
        events: [
          good,
          aWithdrawal({ amount: -5 }),
          { ...aLogin(), type: 'user.logout' },
          aLogin({ ip: 'somewhere', outcome: 'maybe' as never }),
          42,
          aLogin({ source: 'not-mine' }),
        ],
      },
      asUser,
    );
    expect(res.status).toBe(207);
    expect(await res.json()).toEqual({
      accepted: 1,
      rejected: 5,
      errors: [
        { index: 1, field: 'amount', reason: 'a positive number is required' },
        {
          index: 2,
          field: 'type',
          reason: `expected one of ${userTypes.join(', ')}, got "user.logout"`,
        },
        { index: 3, field: 'ip', reason: 'an IPv4 or IPv6 address is required' },
        { index: 3, field: 'outcome', reason: 'expected success, bad_password, bad_mfa, locked or blocked' },
        { index: 4, field: '(event)', reason: 'expected a JSON object' },
        {
          index: 5,
          field: 'source',
          reason: '"not-mine" is not allowed for key user-svc; expected one of test',
        },
      ],
    });
    await pipeline.waitForCount(`SELECT count() FROM user_logins WHERE event_id = '${good.event_id}'`, 1);

    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const [funds, unrouted, logins] = await Promise.all([
      readTopic(pipeline.kafka, `${prefix}user.funds.dlq`, 1),
      readTopic(pipeline.kafka, `${prefix}collector.unrouted.dlq`, 2),
      readTopic(pipeline.kafka, `${prefix}user.logins.dlq`, 2),
    ]);
    expect(funds.map((m) => m.reason)).toEqual(['amount: a positive number is required']);
    expect(unrouted.map((m) => m.reason).sort()).toEqual([
      '(event): expected a JSON object',
      `type: expected one of ${userTypes.join(', ')}, got "user.logout"`,
    ]);
    expect(unrouted.find((m) => m.reason.startsWith('(event)'))?.value).toBe('42');
    expect(logins.map((m) => m.reason.split(':')[0]).sort()).toEqual(['ip', 'source']);

    // One place to look: the unrouted refusals reach dead_letters too, with reason and bytes.
    await pipeline.waitForCount(
      "SELECT count() FROM dead_letters WHERE consumer = 'collector_unrouted_dlq_queue'",
      2,
    );
    const stored = await queryRows<{ topic: string; error: string; raw_message: string }>(
      pipeline.clickhouse,
      "SELECT topic, error, raw_message FROM dead_letters WHERE consumer = 'collector_unrouted_dlq_queue' ORDER BY error",
    );
    expect(stored.map((r) => [r.topic, r.error])).toEqual([
      [`${prefix}collector.unrouted`, '(event): expected a JSON object'],
      [`${prefix}collector.unrouted`, `type: expected one of ${userTypes.join(', ')}, got "user.logout"`],
    ]);
    expect(stored[0]?.raw_message).toBe('42');
  });

  it('refuses a body over the limit with 413, and broken JSON with 400', async () => {
    const big = { events: [aBrowserAction({ page: `/${'x'.repeat(BODY_LIMIT_BYTES)}` })] };
    expect((await post('/v1/events', big, asUser)).status).toBe(413);
    const many = { events: Array.from({ length: 101 }, () => aLogin()) };
    expect((await post('/v1/events', many, asUser)).status).toBe(413);
    const broken = await post('/v1/events', '{"events": [', asUser);
    expect(broken.status).toBe(400);
    expect((await post('/v1/events', { items: [] }, asUser)).status).toBe(400);
  });

  it('refuses a missing or unknown key with 401, and a key on the wrong endpoint with 403', async () => {
    const body = { events: [aLogin()] };
    const missing = await post('/v1/events', body);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await post('/v1/events', body, { authorization: 'Bearer tw_sk_guessed' })).status).toBe(401);
    expect((await post('/v1/events', body, { 'x-api-key': 'tw_sk_guessed' })).status).toBe(401);
    expect((await post('/v1/engine/events', body, asUser)).status).toBe(403);
    // A server key used from a page has leaked: refused.
    expect((await post('/v1/events', body, { ...asUser, origin: APP_ORIGIN })).status).toBe(403);
  });

  it('takes browser beacons only from allowed origins, with CORS', async () => {
    const preflight = await fetch(`${collector.url}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    const evil = 'https://evil.example.com';
    expect(
      (await fetch(`${collector.url}/v1/events`, { method: 'OPTIONS', headers: { origin: evil } })).status,
    ).toBe(403);

    const beacon = { events: [aBrowserAction()] };
    // sendBeacon: key in the query string, JSON sent as text/plain.
    const ok = await post(`/v1/events?key=${BROWSER_KEY}`, beacon, {
      origin: APP_ORIGIN,
      'content-type': 'text/plain',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect((await post(`/v1/events?key=${BROWSER_KEY}`, beacon, { origin: evil })).status).toBe(403);
    expect((await post(`/v1/events?key=${BROWSER_KEY}`, beacon)).status).toBe(403);
    // A publishable key cannot forge a login.
    const forged = await post(
      `/v1/events?key=${BROWSER_KEY}`,
      { events: [aLogin()] },
      { origin: APP_ORIGIN },
    );
    expect(await forged.json()).toMatchObject({ accepted: 0, errors: [{ index: 0, field: 'type' }] });
  });

  it('limits each key: a flood gets 429 with Retry-After, other keys are unaffected', async () => {
    const flood = await Promise.all(
      Array.from({ length: 8 }, () =>
        post('/v1/events', { events: [] }, { authorization: `Bearer ${FLOOD_KEY}` }),
      ),
    );
    const statuses = flood.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = flood.find((r) => r.status === 429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post('/v1/events', { events: [] }, asUser)).status).toBe(200);
  });

  it('takes matching-engine events on /v1/engine/events with an engine key', async () => {
    const order = anOrder();
    const execution = anExecution();
    const res = await post(
      '/v1/engine/events',
      { events: [order, execution, aLogin()] },
      { authorization: `Bearer ${ENGINE_KEY}` },
    );
    expect(res.status).toBe(207);
    expect(await res.json()).toMatchObject({
      accepted: 2,
      rejected: 1,
      errors: [{ index: 2, field: 'type' }],
    });
    await pipeline.waitForCount(`SELECT count() FROM engine_orders WHERE event_id = '${order.event_id}'`, 1);
    await pipeline.waitForCount(
      `SELECT count() FROM engine_executions WHERE event_id = '${execution.event_id}'`,
      1,
    );
  });

  it('takes listing announcements on /v1/engine/events from a key scoped to them, and only from it', async () => {
    const listing = validEvents.listings();
    const byEngine = await post(
      '/v1/engine/events',
      { events: [listing] },
      { authorization: `Bearer ${ENGINE_KEY}` },
    );
    expect(await byEngine.json()).toMatchObject({
      accepted: 0,
      rejected: 1,
      errors: [{ index: 0, field: 'type' }],
    });
    const res = await post(
      '/v1/engine/events',
      { events: [listing] },
      { authorization: `Bearer ${LISTING_KEY}` },
    );
    expect(await res.json()).toEqual({ accepted: 1, rejected: 0, errors: [] });
    await pipeline.waitForCount(`SELECT count() FROM listings WHERE event_id = '${listing.event_id}'`, 1);
  });

  it('reports health and counts events by type and outcome', async () => {
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${collector.url}/metrics`)).text();
    expect(text).toMatch(
      /tradewatch_collector_events_total\{endpoint="user",type="user.login",outcome="accepted",service="collector"\} \d+/,
    );
    expect(text).toMatch(
      /tradewatch_collector_events_total\{endpoint="user",type="unknown",outcome="rejected",service="collector"\} 2/,
    );
    expect(text).toContain('tradewatch_collector_request_duration_seconds_bucket');
  });
});
