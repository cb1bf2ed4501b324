/**
 * Producer throughput: EventProducer (zod validation, JSON, keyed by entity, DLQ routing,
 * gathered into sendBatch) against raw KafkaJS `sendBatch` of the same bytes, both into the
 * same topic on a real broker with the same partitioner, compression, acks=all and
 * idempotence, the same calls in flight. The raw side is handed the messages already
 * serialised: what EventProducer costs over it is exactly its own work.
 * The peer baseline (issue 19): the same bytes through @platformatic/kafka's Producer (a
 * maintained client with a KafkaJS-like API), idempotent, acks=all, the same compression and
 * murmur2 key partitioning, the same calls in flight — beside raw KafkaJS, same rounds.
 * Run: `npx tsx bench/producer.bench.ts [--events 200000] [--call 1000] [--concurrency 4]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer as PlatformaticProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { CompressionTypes, type Message } from 'kafkajs';
import { loadConfig } from '../lib/config/config.js';
import { marketTopics } from '../lib/contracts/market.js';
import { validate } from '../lib/contracts/validate.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer, PRODUCER_OPTIONS } from '../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { startKafkaBroker } from '../stack/kafka/broker.js';
import { warehouseDataset } from '../test/warehouse-data.js';
import { benchOptions, runBench } from './cli.js';
import { fmt, percentile, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';

const TARGET_RATIO = 0.85;
const o = benchOptions(
  'producer-bench',
  'EventProducer vs raw KafkaJS sendBatch of the same bytes, events/s and MB/s',
  { events: 200_000, call: 1000, concurrency: 4, rounds: 5 },
  (c) => c.option('--brokers <list>', 'use this broker instead of starting one'),
);
const { events: EVENTS, call: CALL, concurrency: CONCURRENCY, rounds: ROUNDS } = o;
const BROKERS = o.other.brokers;

async function main(): Promise<void> {
  const log = createLogger('bench', { destination: 2, level: 'warn' });
  const dir = BROKERS ? undefined : mkdtempSync(join(tmpdir(), 'tw-producer-'));
  const broker = dir ? await startKafkaBroker({ dataDir: join(dir, 'kafka'), log }) : undefined;
  try {
    const config = loadConfig({
      ...process.env,
      KAFKA_BROKERS: BROKERS ?? broker?.bootstrap,
      KAFKA_TOPIC_PREFIX: `bench-producer-${Date.now().toString(36)}.`,
    });
    const kafka = createKafka(config, log);
    const spec = marketTopics.marketTrades;
    const topic = `${config.KAFKA_TOPIC_PREFIX}${spec.name}`;
    await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, [spec]));

    const events: unknown[] = [];
    for (let seed = 1; events.length < EVENTS; seed += 1) events.push(...warehouseDataset(seed).trades);
    events.length = EVENTS;
    // The raw side's input: the bytes EventProducer would put on the wire for each event.
    const messages: Message[] = events.map((e) => ({
      key: spec.key(e as never),
      value: JSON.stringify(spec.schema.parse(e)),
    }));
    const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.value as string), 0);
    const calls = Array.from({ length: Math.ceil(EVENTS / CALL) }, (_, i) => i * CALL);
    progress(
      `${fmt(EVENTS)} market trades (${fmt(bytes / 1e6, 1)} MB of JSON), ${CALL}/call, ${CONCURRENCY} in flight, ${config.KAFKA_COMPRESSION}`,
    );

    const drive = async (send: (from: number) => Promise<void>): Promise<number> => {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < calls.length; i = next++) await send(calls[i] as number);
        }),
      );
      return performance.now() - started;
    };

    const producer = await EventProducer.connect(kafka, config, log);
    const raw = kafka.producer(PRODUCER_OPTIONS);
    await raw.connect();
    const compression = config.KAFKA_COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    const viaEventProducer = async (from: number) => {
      const outcome = await producer.produce(spec, events.slice(from, from + CALL));
      if (outcome.rejected.length > 0) throw new Error(`refused: ${outcome.rejected[0]?.reason}`);
    };
    const viaRaw = async (from: number) => {
      await raw.sendBatch({
        acks: -1,
        compression,
        topicMessages: [{ topic, messages: messages.slice(from, from + CALL) }],
      });
    };
    const peer = new PlatformaticProducer({
      clientId: 'tradewatch-bench-peer',
      bootstrapBrokers: config.KAFKA_BROKERS,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      ...(config.KAFKA_COMPRESSION === 'gzip' ? { compression: 'gzip' as const } : {}),
    });
    const peerMessages = messages.map((m) => ({ topic, key: m.key as string, value: m.value as string }));
    const viaPeer = async (from: number) => {
      await peer.send({ messages: peerMessages.slice(from, from + CALL) });
    };
    // Warm-up of both (JIT, metadata, the broker's first segments) before anything counts.
    await drive(async (from) => (from < CALL * CONCURRENCY * 4 ? viaEventProducer(from) : undefined));
    await drive(async (from) => (from < CALL * CONCURRENCY * 4 ? viaRaw(from) : undefined));
    await drive(async (from) => (from < CALL * CONCURRENCY * 4 ? viaPeer(from) : undefined));
    // Alternating passes: the machine is shared, a neighbour's burst should not decide the ratio.
    const times = { eventProducer: [] as number[], raw: [] as number[], peer: [] as number[] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      times.raw.push(await drive(viaRaw));
      times.eventProducer.push(await drive(viaEventProducer));
      times.peer.push(await drive(viaPeer));
      progress(
        `round ${round}: raw ${fmt(times.raw.at(-1))} ms, EventProducer ${fmt(times.eventProducer.at(-1))} ms, @platformatic/kafka ${fmt(times.peer.at(-1))} ms`,
      );
    }
    await producer.close();
    await raw.disconnect();
    await peer.close();
    // Every contender's messages are on the broker: a fast client that dropped some would not count.
    const warmUp = Math.min(EVENTS, CALL * CONCURRENCY * 4);
    const admin = kafka.admin();
    await admin.connect();
    const stored = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    await admin.disconnect();
    if (stored !== 3 * (warmUp + ROUNDS * EVENTS))
      throw new Error(
        `the topic holds ${stored} messages, the three clients sent ${3 * (warmUp + ROUNDS * EVENTS)}`,
      );
    // What EventProducer does per event that the raw side was handed done: the contract
    // check and the JSON of the parsed event. On a CPU-bound machine this is the gap.
    const ownStarted = performance.now();
    for (const e of events) {
      const checked = validate(spec.schema, e);
      if (checked.ok) JSON.stringify(checked.event);
    }
    const ownWorkUsPerEvent = Math.round((((performance.now() - ownStarted) * 1000) / EVENTS) * 10) / 10;

    const rate = (ms: number) => ({
      eventsPerS: Math.round(EVENTS / (ms / 1000)),
      mbPerS: Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10,
      ms: Math.round(ms),
    });
    // Medians of the passes, and the ratio as the median of each round's pair (raw, then
    // EventProducer, back to back): a neighbour's burst slows one round, not the ratio.
    const ep = rate(percentile(times.eventProducer, 50) as number);
    const base = rate(percentile(times.raw, 50) as number);
    const pairRatios = times.raw.map((raw, i) => raw / (times.eventProducer[i] as number));
    const ratio = Math.round((percentile(pairRatios, 50) as number) * 100) / 100;
    const peerRate = rate(percentile(times.peer, 50) as number);
    const peerRatios = times.raw.map((raw, i) => raw / (times.peer[i] as number));
    const peerRatio = Math.round((percentile(peerRatios, 50) as number) * 100) / 100;
    const summary: SummaryRow[] = [
      {
        benchmark: 'producer throughput (EventProducer vs raw sendBatch)',
        result: `${fmt(ep.eventsPerS)} ev/s, ${ep.mbPerS} MB/s`,
        baseline: `${fmt(base.eventsPerS)} ev/s, ${base.mbPerS} MB/s`,
        ratio,
        target: `>= ${TARGET_RATIO}x raw`,
        met: ratio >= TARGET_RATIO,
      },
      {
        benchmark: 'peer client (@platformatic/kafka vs raw KafkaJS sendBatch)',
        result: `${fmt(peerRate.eventsPerS)} ev/s, ${peerRate.mbPerS} MB/s`,
        baseline: `${fmt(base.eventsPerS)} ev/s, ${base.mbPerS} MB/s`,
        ratio: peerRatio,
        target: 'none: KafkaJS stays unless the peer wins clearly and passes the fault suite',
        met: null,
      },
    ];
    process.stdout.write(
      `${[
        machineLine(),
        table(
          ['producer', 'events/s', 'MB/s', 'median pass ms'],
          [
            ['EventProducer.produce', fmt(ep.eventsPerS), String(ep.mbPerS), fmt(ep.ms)],
            ['raw KafkaJS sendBatch (baseline)', fmt(base.eventsPerS), String(base.mbPerS), fmt(base.ms)],
            [
              'raw @platformatic/kafka send (peer)',
              fmt(peerRate.eventsPerS),
              String(peerRate.mbPerS),
              fmt(peerRate.ms),
            ],
          ],
        ),
        `ratio ${ratio}x (target >= ${TARGET_RATIO}x); validate + JSON alone: ${ownWorkUsPerEvent} µs/event on this thread`,
        summaryTable(summary),
      ].join('\n')}\n`,
    );
    const file = writeResult('producer', summary, {
      settings: {
        events: EVENTS,
        call: CALL,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        compression: config.KAFKA_COMPRESSION,
        bytes,
      },
      eventProducer: ep,
      raw: base,
      peer: { client: '@platformatic/kafka', ...peerRate, pairRatios: peerRatios },
      ownWorkUsPerEvent,
      passesMs: times,
      pairRatios,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

runBench('producer', main);
