import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../lib/clickhouse/client.js';
import { type TopicKey, topicName, topics } from '../../lib/contracts/topics.js';
import { type Pipeline, startPipeline } from '../pipeline-fixture.js';
import { applyPlan, drawPlans, expectedOutcome, type FuzzInput, fuzzSeed } from './inputs.js';
import { FuzzReport } from './report.js';
import { factTables, validEvents } from './valid-events.js';

/** Inputs per topic: enough to cover every class, few enough for a busy two-core machine. */
const INPUTS_PER_TOPIC = 40;
const STALL_TIMEOUT_MS = 180_000;

/**
 * The one known difference, kept visible in the table rather than hidden: ClickHouse's
 * JSONEachRow reads `[{...}]` as the object inside, so a one-element array holding a valid
 * event is stored as that event (the contract wants the bare object). Nothing else is lost or
 * invented by it; an array of two is dead-lettered by the parse view (0140).
 */
const ARRAY_OF_ONE = /^JSON array of the event$/;

/** A reason names the field the contract names; a message that is not one object names none. */
const namesField = (reason: string, fields: string[]) =>
  fields.length === 0 ||
  fields.some((field) => reason.includes(field)) ||
  (fields.includes('(event)') && reason.startsWith('invalid JSON'));

interface TopicRun {
  key: TopicKey;
  topic: string;
  inputs: FuzzInput[];
  baseOffset: number;
  sentinelId: string;
  /** Offset → where it ended up: `fact`, or the dead letter's error. */
  stored: Map<number, string[]>;
  stalled?: string;
}

/**
 * Every topic consumer against bytes a buggy or hostile producer writes straight into the
 * topic (raw KafkaJS, no EventProducer validation): each message must end up in the topic's
 * fact table exactly when the contract accepts it, or in dead_letters with a reason naming
 * the field, exactly once; and a valid sentinel sent afterwards must still arrive.
 */
describe('topic consumers under fuzzed input', () => {
  let pipeline: Pipeline;
  let producer: Producer;
  const report = new FuzzReport('topic-consumers', fuzzSeed);
  const runs = new Map<TopicKey, TopicRun>();

  const offsetsIn = (run: TopicRun) =>
    `kafka_partition = 0 AND kafka_offset BETWEEN ${run.baseOffset} AND ${run.baseOffset + run.inputs.length - 1}`;

  async function fuzzTopic(key: TopicKey, index: number): Promise<TopicRun> {
    const topic = topicName(pipeline.config.KAFKA_TOPIC_PREFIX, topics[key].name);
    const inputs = drawPlans(fuzzSeed + index, INPUTS_PER_TOPIC).map((plan) =>
      applyPlan(plan, validEvents[key]()),
    );
    // One partition, one batch: offsets are consecutive, so offset - base is the input's index.
    const [sent] = await producer.send({
      topic,
      messages: inputs.map((input) => ({ partition: 0, key: 'fuzz', value: input.bytes })),
    });
    const sentinel = validEvents[key]();
    await producer.send({
      topic,
      messages: [{ partition: 0, key: 'fuzz', value: JSON.stringify(sentinel) }],
    });
    const run: TopicRun = {
      key,
      topic,
      inputs,
      baseOffset: Number(sent?.baseOffset),
      sentinelId: sentinel.event_id as string,
      stored: new Map(),
    };
    const fact = factTables[key];
    try {
      await pipeline.waitForCount(
        `SELECT count() FROM ${fact} WHERE event_id = '${run.sentinelId}'`,
        1,
        STALL_TIMEOUT_MS,
      );
      await pipeline.waitForCount(
        `SELECT (SELECT count() FROM ${fact} WHERE ${offsetsIn(run)}) +
                (SELECT count() FROM dead_letters WHERE topic = '${topic}' AND ${offsetsIn(run)})`,
        inputs.length,
        STALL_TIMEOUT_MS,
      );
    } catch (err) {
      run.stalled = (err as Error).message;
    }
    const rows = await queryRows<{ offset: string; where: string }>(
      pipeline.clickhouse,
      `SELECT toString(kafka_offset) AS offset, 'fact' AS where FROM ${fact} WHERE ${offsetsIn(run)}
       UNION ALL
       SELECT toString(kafka_offset) AS offset, error AS where FROM dead_letters
       WHERE topic = '${topic}' AND ${offsetsIn(run)}`,
    );
    for (const row of rows) {
      const offset = Number(row.offset);
      run.stored.set(offset, [...(run.stored.get(offset) ?? []), row.where]);
    }
    return run;
  }

  beforeAll(
    async () => {
      pipeline = await startPipeline();
      producer = pipeline.kafka.producer();
      await producer.connect();
      process.stdout.write(`topic consumer fuzz: seed ${fuzzSeed}, ${INPUTS_PER_TOPIC} inputs per topic\n`);
      const keys = Object.keys(topics) as TopicKey[];
      const done = await Promise.all(keys.map((key, i) => fuzzTopic(key, i)));
      for (const run of done) runs.set(run.key, run);
    },
    STALL_TIMEOUT_MS * 2 + 120_000,
  );

  afterAll(async () => {
    report.write();
    await producer?.disconnect();
    await pipeline?.close();
  });

  it.each(Object.keys(topics) as TopicKey[])(
    '%s: every message is stored or dead-lettered with its field, exactly once',
    (key) => {
      const run = runs.get(key);
      expect(run).toBeDefined();
      if (!run) return;
      const target = `${run.topic.slice(pipeline.config.KAFKA_TOPIC_PREFIX.length)} → ${factTables[key]}`;
      const problems: string[] = [];
      run.inputs.forEach((input, i) => {
        const expected = expectedOutcome(topics[key].schema as never, input.bytes);
        const where = run.stored.get(run.baseOffset + i) ?? [];
        const show = `#${i} ${input.label}`;
        if (where.length !== 1) {
          problems.push(`${show}: stored ${where.length} times (${where.join(' | ').slice(0, 200)})`);
          return;
        }
        const [outcome] = where as [string];
        report.record(target, outcome === 'fact' ? 'accepted' : { rejected: outcome });
        if (expected.ok && outcome !== 'fact')
          problems.push(`${show}: contract accepts, consumer refused: ${outcome}`);
        if (!expected.ok && outcome === 'fact' && !ARRAY_OF_ONE.test(input.label))
          problems.push(`${show}: contract refuses (${expected.reason.slice(0, 160)}), consumer stored it`);
        if (!expected.ok && outcome !== 'fact' && !namesField(outcome, expected.fields))
          problems.push(`${show}: dead-lettered without naming ${expected.fields.join('/')}: ${outcome}`);
      });
      if (run.stalled) {
        report.tally(target).crashesOrStalls += 1;
        problems.push(`stalled: ${run.stalled}`);
      }
      expect(problems).toEqual([]);
    },
  );
});
