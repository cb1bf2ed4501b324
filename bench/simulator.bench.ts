import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, Partitioners } from 'kafkajs';
import { loadConfig } from '../lib/config/config.js';
import { scenarioNames } from '../lib/contracts/simulation.js';
import { type TopicSpec, topicName, topics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import { createLogger } from '../lib/log.js';
import { machineInfo, machineLine } from '../lib/machine.js';
import { SimulationRunner } from '../producers/simulator/runner.js';
import { type SimOutput, Simulation } from '../producers/simulator/simulation.js';
import { startKafkaBroker } from '../stack/kafka/broker.js';

/**
 * Simulator throughput, each number beside its baseline from the same run:
 *  1. generation alone (pure: order books, accounts, scenarios; no Kafka);
 *  2. generation + EventProducer (validation, keyed gzip batches, acks=all) to a real broker,
 *     compared with generation alone;
 *  3. raw KafkaJS sendBatch of the same events, pre-serialised, with the same producer
 *     settings, compared with EventProducer: what the contract checks and batching cost.
 * Uses KAFKA_BROKERS when set, else starts the embedded broker. `SIM_BENCH_SECONDS` sets
 * the simulated length (default 300 s at 1,000 events/s).
 */
const simulatedSeconds = Number(process.env.SIM_BENCH_SECONDS ?? 300);
const rate = 1_000;
const log = createLogger('bench', { destination: 2, level: 'warn' });
const START = Date.now() - simulatedSeconds * 1000;

function simulation(): Simulation {
  return new Simulation({ seed: 7, startMs: START, ratePerSecond: rate });
}

function generateAll(): { outputs: SimOutput[]; ms: number } {
  const sim = simulation();
  scenarioNames.forEach((name, i) => {
    sim.inject(name, START + 5_000 + i * 30_000);
  });
  const started = performance.now();
  const outputs = sim.until(START + simulatedSeconds * 1000);
  return { outputs, ms: performance.now() - started };
}

const perSecond = (events: number, ms: number) => Math.round(events / (ms / 1000));

// 1. Pure generation (a warm-up pass first: JIT and lexicon load are not the simulator's speed).
generateAll();
const generation = generateAll();
const events = generation.outputs.length;

// A broker: the caller's, or the embedded one.
const dir = process.env.KAFKA_BROKERS ? undefined : mkdtempSync(join(tmpdir(), 'tradewatch-bench-'));
const broker = dir ? await startKafkaBroker({ dataDir: join(dir, 'kafka'), log }) : undefined;
const config = loadConfig({
  ...process.env,
  KAFKA_BROKERS: broker?.bootstrap ?? process.env.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: `bench${Date.now()}.`,
});
const kafka = createKafka(config, log);
await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, Object.values(topics)));

try {
  // 2. Generation + EventProducer, through the same runner the CLI uses at full speed.
  const producer = await EventProducer.connect(kafka, config, log);
  const runner = new SimulationRunner(simulation(), producer, log);
  const produced = await runner.run({
    durationMs: simulatedSeconds * 1000,
    scenarios: scenarioNames,
    fullSpeed: true,
    labels: undefined,
  });
  await producer.close();

  // 3. Raw sendBatch of the same events, serialised and keyed before the clock starts.
  const raw = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await raw.connect();
  // Raw messages (a scenario's bytes past the contract) have no spec: the runner drops them too.
  const messages = generation.outputs.flatMap((o) => {
    if (o.topic === 'raw') return [];
    const spec = topics[o.topic] as unknown as TopicSpec<object>;
    return [
      {
        topic: topicName(config.KAFKA_TOPIC_PREFIX, spec.name),
        key: spec.key(o.event),
        value: JSON.stringify(o.event),
      },
    ];
  });
  const rawStarted = performance.now();
  for (let i = 0; i < messages.length; i += 5_000) {
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const m of messages.slice(i, i + 5_000)) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value });
      byTopic.set(m.topic, list);
    }
    await raw.sendBatch({
      acks: -1,
      compression: config.KAFKA_COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
    });
  }
  const rawMs = performance.now() - rawStarted;
  await raw.disconnect();

  const result = {
    benchmark: 'simulator',
    machine: machineInfo(),
    simulatedSeconds,
    targetRate: rate,
    events,
    generation: { ms: Math.round(generation.ms), eventsPerSecond: perSecond(events, generation.ms) },
    generateAndProduce: {
      events: produced.events,
      ms: produced.wallMs,
      eventsPerSecond: perSecond(produced.events, produced.wallMs),
      rejected: produced.rejected,
    },
    rawSendBatch: {
      events: messages.length,
      ms: Math.round(rawMs),
      eventsPerSecond: perSecond(messages.length, rawMs),
    },
  };
  const ratioProduce = result.generateAndProduce.eventsPerSecond / result.generation.eventsPerSecond;
  const ratioRaw = result.generateAndProduce.eventsPerSecond / result.rawSendBatch.eventsPerSecond;
  process.stdout.write(
    [
      machineLine(),
      `simulated ${simulatedSeconds} s at ${rate} events/s target, 5 scenarios: ${events} events`,
      `generation alone            ${String(result.generation.eventsPerSecond).padStart(9)} events/s`,
      `generation + EventProducer  ${String(result.generateAndProduce.eventsPerSecond).padStart(9)} events/s   (${ratioProduce.toFixed(2)}× generation alone)`,
      `raw KafkaJS sendBatch       ${String(result.rawSendBatch.eventsPerSecond).padStart(9)} events/s   (EventProducer path = ${ratioRaw.toFixed(2)}× raw, which skips generation and validation)`,
      '',
    ].join('\n'),
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, `simulator-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify({ ...result, ratioProduce, ratioRaw }, null, 2)}\n`,
  );
} finally {
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
