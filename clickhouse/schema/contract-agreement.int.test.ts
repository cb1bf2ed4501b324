import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aTrade } from '../../alerting/testing/market-builders.js';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { newEventId } from '../../lib/contracts/envelope.js';
import { storage } from '../../lib/contracts/storage.js';
import { type TopicKey, topics } from '../../lib/contracts/topics.js';
import {
  aBrowserAction,
  aLogin,
  anApiKeyChange,
  anOrder,
  aWithdrawal,
} from '../../test/engine-user-builders.js';
import { validEvents } from '../../test/fuzz/valid-events.js';
import { type Pipeline, startPipeline } from '../../test/pipeline-fixture.js';
import { warehouseDataset } from '../../test/warehouse-data.js';

/**
 * The zod contract and the warehouse's checks come from one definition (lib/contracts/
 * fields.ts); this holds them to it. Seeded fast-check cases each change one field of a
 * valid event to an edge or a random value, go through the real broker into the real
 * engine as the JSON a writer would send, and zod's decision on the same JSON must be the
 * warehouse's: stored in the fact, or dead-lettered (found by the message key).
 */

const bases: Array<[TopicKey, () => Record<string, unknown>]> = [
  ['marketTrades', () => ({ ...aTrade(Date.now()) })],
  ['engineOrders', () => ({ ...anOrder() })],
  ['userLogins', () => ({ ...aLogin() })],
  ['userFunds', () => ({ ...aWithdrawal() })],
  ['userApiKeys', () => ({ ...anApiKeyChange() })],
  ['userBrowser', () => ({ ...aBrowserAction() })],
  ['socialMentions', () => ({ ...warehouseDataset(7).mentions[0] })],
  ['listings', validEvents.listings],
];

const OMIT = Symbol('omit');
const EPOCH_EDGES = [
  946_684_799_999, 946_684_800_000, 4_102_444_799_999, 4_102_444_800_000, 1_700_000_000, 1_700_000_000_000.5,
];
const TEXT_EDGES = [
  '',
  'a',
  'a\nb',
  ' ',
  'x'.repeat(64),
  'x'.repeat(65),
  'é'.repeat(64),
  '😀'.repeat(64),
  '😀'.repeat(65),
  'x'.repeat(129),
  'x'.repeat(513),
];
const SHAPE_EDGES = [
  '1.2.3.4',
  '::1',
  '2001:db8::7',
  '999.1.1.1',
  '01.2.3.4',
  '1.2.3.4%eth0',
  'fe80::1%eth0',
  '::ffff:1.2.3.4',
  'BTCUSDT',
  'btc',
  'BTC',
  'https://a.b/c',
  'http://a b',
  'https://a\u00a0b',
  'ftp://x',
];
const NUMBER_EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  5e-324,
  2,
  255,
  256,
  257,
  65_536,
];
const OTHER_EDGES = [
  null,
  true,
  false,
  [],
  {},
  ['read'],
  ['admin'],
  'buy',
  'sell',
  'fill',
  'reject',
  'limit',
  'market',
  'gtd',
  OMIT,
];

const value = fc.oneof(
  fc.constantFrom(...EPOCH_EDGES, ...TEXT_EDGES, ...SHAPE_EDGES, ...NUMBER_EDGES, ...OTHER_EDGES),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const cases = fc.sample(
  fc.integer({ min: 0, max: bases.length - 1 }).chain((b) => {
    const [key, base] = bases[b] as (typeof bases)[number];
    const fields = Object.keys(topics[key].contract?.fields ?? {});
    return fc.record({
      key: fc.constant(key),
      base: fc.constant(base),
      field: fc.constantFrom(...fields),
      value,
    });
  }),
  { seed: 14, numRuns: 280 },
);

describe('zod and the warehouse agree on every value', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  it('takes or refuses each case the way the contract does, edges included', async () => {
    const sent = cases.map((c, i) => {
      const event: Record<string, unknown> = { ...c.base(), event_id: newEventId() };
      if (c.value === OMIT) delete event[c.field];
      else event[c.field] = c.value;
      const json = JSON.stringify(event);
      const zod = topics[c.key].schema.safeParse(JSON.parse(json));
      return {
        i,
        key: c.key,
        field: c.field,
        json,
        zodAccepts: zod.success,
        zodReason: zod.success ? '' : zod.error.issues[0]?.message,
      };
    });
    const producer = pipeline.kafka.producer();
    await producer.connect();
    for (const key of new Set(sent.map((s) => s.key))) {
      await producer.send({
        topic: `${pipeline.config.KAFKA_TOPIC_PREFIX}${topics[key].name}`,
        messages: sent.filter((s) => s.key === key).map((s) => ({ key: `case-${s.i}`, value: s.json })),
      });
    }
    await producer.disconnect();

    const facts = [...new Set(sent.map((s) => s.key))].map(
      (key) => `(SELECT count() FROM ${storage[key].fact})`,
    );
    await pipeline.waitForCount(
      `SELECT ${facts.join(' + ')} + (SELECT count() FROM dead_letters)`,
      sent.length,
      90_000,
    );
    const refused = new Map(
      (
        await queryRows<{ kafka_key: string; error: string }>(
          pipeline.clickhouse,
          'SELECT kafka_key, error FROM dead_letters',
        )
      ).map((r) => [r.kafka_key, r.error]),
    );
    const disagreements = sent
      .filter((s) => s.zodAccepts === refused.has(`case-${s.i}`))
      .map((s) => ({
        topic: s.key,
        field: s.field,
        json: s.json,
        zod: s.zodAccepts ? 'accepts' : `refuses (${s.zodReason})`,
        warehouse: refused.get(`case-${s.i}`) ?? 'stores',
      }));
    expect(disagreements).toEqual([]);
    // Both outcomes occur, so the comparison is not vacuous; nothing vanished.
    expect(refused.size).toBeGreaterThan(20);
    expect(sent.length - refused.size).toBeGreaterThan(20);
    expect(await queryNumber(pipeline.clickhouse, `SELECT ${facts.join(' + ')}`)).toBe(
      sent.length - refused.size,
    );
  });
});
