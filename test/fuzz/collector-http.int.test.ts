import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../lib/contracts/topics.js';
import { type RunningCollector, startCollector } from '../../producers/user/collector.js';
import { loadCollectorConfig } from '../../producers/user/config.js';
import { unroutedTopic } from '../../producers/user/intake.js';
import { hashKey, parseKeys } from '../../producers/user/keys.js';
import { type Endpoint, endpointPaths, routes } from '../../producers/user/routes.js';
import { type Pipeline, startPipeline, testLog } from '../pipeline-fixture.js';
import { readTopic } from '../read-topic.js';
import { applyPlan, drawPlans, expectedOutcome, fuzzSeed } from './inputs.js';
import { FuzzReport } from './report.js';
import { validEvents } from './valid-events.js';

const USER_KEY = 'tw_sk_fuzz-user-key';
const ENGINE_KEY = 'tw_sk_fuzz-engine-key';
const BODY_LIMIT_BYTES = 65_536;
const BATCH_MAX_EVENTS = 50;
const BATCHES = 40;
const REQUEST_TIMEOUT_MS = 60_000;

const baseByEndpoint: Record<Endpoint, Array<() => Record<string, unknown>>> = {
  user: [validEvents.userLogins, validEvents.userFunds, validEvents.userApiKeys, validEvents.userBrowser],
  engine: [validEvents.engineOrders, validEvents.engineExecutions, validEvents.listings],
};

/** Bodies that are not a batch at all, each with the status the collector must answer. */
const brokenBodies: Array<{
  label: string;
  body: Buffer | string;
  headers?: Record<string, string>;
  status: number;
}> = [
  { label: 'invalid JSON', body: '{"events": [', status: 400 },
  { label: 'empty body', body: '', status: 400 },
  { label: 'events not an array', body: '{"events": "x"}', status: 400 },
  { label: 'JSON array body', body: '[1,2]', status: 400 },
  { label: 'invalid UTF-8 body', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), status: 400 },
  { label: 'deeply nested item', body: `{"events": [${'['.repeat(5000)}${']'.repeat(5000)}]}`, status: 400 },
  {
    label: 'wrong content type',
    body: '{"events": []}',
    headers: { 'content-type': 'text/xml' },
    status: 415,
  },
  { label: 'oversized body', body: `{"events": ["${'x'.repeat(BODY_LIMIT_BYTES)}"]}`, status: 413 },
  {
    label: 'too many events',
    body: JSON.stringify({ events: Array.from({ length: BATCH_MAX_EVENTS + 1 }, () => 1) }),
    status: 413,
  },
  {
    label: 'gzip body (not offered)',
    body: gzipSync('{"events": []}'),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
];

/**
 * The collector over real HTTP, fed fuzzed batches (valid events, events with a field
 * dropped or replaced by a hostile value, non-objects, duplicated event ids within and across
 * batches) and broken bodies. Every item is accepted or refused with its index, field and
 * reason, as the contract decides; the server keeps answering; Kafka holds exactly the
 * accepted items in the main topics and exactly the refused ones in the dead-letter twins; the
 * collector's metrics count the same.
 */
describe('collector endpoints under fuzzed input', () => {
  let pipeline: Pipeline;
  let collector: RunningCollector;
  const report = new FuzzReport('collector-http', fuzzSeed);
  /** Per Kafka topic: event ids we expect there (main topics) or the count (dead letters). */
  const expectedIds = new Map<string, string[]>();
  const expectedDeadLetters = new Map<string, number>();
  const totals = { accepted: 0, rejected: 0 };

  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${collector.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const auth = (endpoint: Endpoint) => ({
    authorization: `Bearer ${endpoint === 'user' ? USER_KEY : ENGINE_KEY}`,
  });

  beforeAll(async () => {
    pipeline = await startPipeline();
    const keys = parseKeys(
      {
        keys: [
          {
            id: 'fuzz-user',
            kind: 'server',
            sha256: hashKey(USER_KEY),
            endpoint: 'user',
            types: [...routes.user.keys()],
          },
          {
            id: 'fuzz-engine',
            kind: 'server',
            sha256: hashKey(ENGINE_KEY),
            endpoint: 'engine',
            types: [...routes.engine.keys()],
          },
        ],
      },
      'fuzz keys',
    );
    collector = await startCollector({
      config: pipeline.config,
      collector: loadCollectorConfig({
        COLLECTOR_KEYS_FILE: '(inline)',
        COLLECTOR_PORT: '0',
        COLLECTOR_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
        COLLECTOR_BATCH_MAX_EVENTS: String(BATCH_MAX_EVENTS),
        COLLECTOR_RATE_LIMIT_MAX_REQUESTS: '100000',
      }),
      keys,
      log: testLog,
    });
    process.stdout.write(`collector fuzz: seed ${fuzzSeed}, ${BATCHES} batches\n`);
  });

  afterAll(async () => {
    report.write();
    await collector?.close();
    await pipeline?.close();
  });

  it('answers every fuzzed batch item by item, as the contract decides, and keeps answering', async () => {
    const shapes = fc.sample(
      fc.record({
        endpoint: fc.constantFrom<Endpoint>('user', 'engine'),
        size: fc.integer({ min: 1, max: 8 }),
        dup: fc.nat(9),
      }),
      { seed: fuzzSeed, numRuns: BATCHES },
    );
    const plans = drawPlans(fuzzSeed + 1, BATCHES * 8);
    const earlier: Record<Endpoint, unknown[]> = { user: [], engine: [] };
    const problems: string[] = [];
    for (const [b, shape] of shapes.entries()) {
      const bases = baseByEndpoint[shape.endpoint];
      const inputs = Array.from({ length: shape.size }, (_, i) =>
        applyPlan(
          plans[b * 8 + i] as never,
          (bases[(b + i) % bases.length] as () => Record<string, unknown>)(),
        ),
      );
      // A batch item is a JSON value: bytes that are not one become a string item.
      const items: unknown[] = inputs.map((input) =>
        input.json === undefined ? input.bytes.toString('latin1') : input.json,
      );
      // Duplicated event ids: an item sent again in the same batch, or one from an earlier batch.
      if (shape.dup === 0) items.push(items[0]);
      if (shape.dup === 1 && earlier[shape.endpoint].length > 0) items.push(earlier[shape.endpoint].at(-1));
      earlier[shape.endpoint].push(...items);
      const target = `POST ${endpointPaths[shape.endpoint]}`;
      const text = JSON.stringify({ events: items });
      const res = await post(endpointPaths[shape.endpoint], text, auth(shape.endpoint));
      const body = (await res.json()) as {
        accepted: number;
        rejected: number;
        error?: string;
        errors: Array<{ index: number; field: string; reason: string }>;
      };
      // Whole-request refusals: nothing of the batch may reach Kafka, and the body says why.
      const deep = inputs.some((input) => input.label.endsWith('= deep nesting'));
      const refusal =
        Buffer.byteLength(text) > BODY_LIMIT_BYTES
          ? { status: 413, says: /^body larger than/ }
          : deep
            ? { status: 400, says: /^events\.\d+: nested deeper than/ }
            : undefined;
      if (refusal) {
        if (res.status !== refusal.status || !refusal.says.test(body.error ?? ''))
          problems.push(`batch ${b}: expected ${refusal.status}, got ${res.status} ${JSON.stringify(body)}`);
        for (const _ of items) report.record(target, { rejected: `${res.status} ${body.error}` });
        continue;
      }
      if (![200, 207].includes(res.status)) {
        problems.push(`batch ${b}: status ${res.status} ${JSON.stringify(body)}`);
        continue;
      }
      if (body.accepted + body.rejected !== items.length)
        problems.push(`batch ${b}: ${body.accepted} + ${body.rejected} != ${items.length}`);
      items.forEach((item, index) => {
        const errors = body.errors.filter((e) => e.index === index);
        const record =
          typeof item === 'object' && item !== null && !Array.isArray(item)
            ? (item as Record<string, unknown>)
            : undefined;
        const spec = typeof record?.type === 'string' ? routes[shape.endpoint].get(record.type) : undefined;
        // The collector stamps produced_at: the contract is asked about the item as it will be sent.
        const expected = spec
          ? expectedOutcome(spec.schema, Buffer.from(JSON.stringify({ ...record, produced_at: Date.now() })))
          : ({ ok: false, fields: ['(event)', 'type'], reason: 'no route' } as const);
        const dlq = topicName(pipeline.config.KAFKA_TOPIC_PREFIX, `${(spec ?? unroutedTopic).name}.dlq`);
        if (errors.length === 0) {
          report.record(target, 'accepted');
          totals.accepted += 1;
          if (!expected.ok)
            problems.push(
              `batch ${b} item ${index}: contract refuses (${expected.reason.slice(0, 120)}), collector accepted`,
            );
          const main = topicName(pipeline.config.KAFKA_TOPIC_PREFIX, (spec ?? unroutedTopic).name);
          expectedIds.set(main, [...(expectedIds.get(main) ?? []), String(record?.event_id)]);
          return;
        }
        report.record(target, { rejected: `${errors[0]?.field}: ${errors[0]?.reason}` });
        totals.rejected += 1;
        expectedDeadLetters.set(dlq, (expectedDeadLetters.get(dlq) ?? 0) + 1);
        if (expected.ok)
          problems.push(
            `batch ${b} item ${index}: contract accepts, collector refused: ${JSON.stringify(errors)}`,
          );
        for (const error of errors) {
          if (!error.field || !error.reason)
            problems.push(
              `batch ${b} item ${index}: error without field or reason: ${JSON.stringify(error)}`,
            );
        }
        if (
          !expected.ok &&
          !errors.some((e) =>
            (expected.fields as readonly string[]).includes(e.field.split('.')[0] as string),
          )
        ) {
          problems.push(
            `batch ${b} item ${index}: errors ${JSON.stringify(errors).slice(0, 200)} name none of ${expected.fields.join('/')}`,
          );
        }
      });
    }
    expect(problems).toEqual([]);
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
  });

  it('refuses broken bodies with a status and a JSON error, and keeps answering', async () => {
    for (const broken of brokenBodies) {
      const res = await post(endpointPaths.user, broken.body, { ...auth('user'), ...broken.headers });
      const text = await res.text();
      report.record(
        `POST ${endpointPaths.user} (raw body)`,
        res.status < 300 ? 'accepted' : { rejected: `${res.status} ${text}` },
      );
      expect({ label: broken.label, status: res.status }).toEqual({
        label: broken.label,
        status: broken.status,
      });
      expect(JSON.parse(text)).toEqual(
        res.status < 300 ? expect.objectContaining({ accepted: 0 }) : { error: expect.stringMatching(/\w/) },
      );
      expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    }
  });

  it('puts exactly the accepted items in the main topics and the refused ones in the dead-letter topics', async () => {
    for (const [topic, ids] of expectedIds) {
      const messages = await readTopic(pipeline.kafka, topic, ids.length, REQUEST_TIMEOUT_MS);
      const seen = messages.map((m) => (JSON.parse(m.value) as { event_id: string }).event_id).sort();
      expect({ topic, ids: seen }).toEqual({ topic, ids: [...ids].sort() });
    }
    for (const [topic, count] of expectedDeadLetters) {
      const messages = await readTopic(pipeline.kafka, topic, count, REQUEST_TIMEOUT_MS);
      expect({ topic, count: messages.length }).toEqual({ topic, count });
      expect(messages.filter((m) => m.reason === '')).toEqual([]);
    }
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    const counted = (outcome: string) =>
      metrics
        .split('\n')
        .filter(
          (line) =>
            line.startsWith('tradewatch_collector_events_total{') && line.includes(`outcome="${outcome}"`),
        )
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    expect({ accepted: counted('accepted'), rejected: counted('rejected') }).toEqual(totals);
  });
});
