/**
 * Collector load test: how many events/s the HTTP collector gets acknowledged by a real
 * Kafka broker (acks=all), against a baseline of the same batches produced directly through
 * EventProducer, without HTTP, in this process. Everything stays on 127.0.0.1 and is
 * bounded in time. Run: `npx tsx bench/collector.bench.ts [--seconds 10] [--connections 8]`.
 *
 * The collector runs as its own process (as in production), so autocannon's event loop and
 * the collector's do not share a thread; the broker is started here in a temporary dir.
 * ClickHouse is not involved: this measures the ingest path up to Kafka's acknowledgement.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { loadConfig } from '../lib/config/config.js';
import { topics } from '../lib/contracts/topics.js';
import { userTopics } from '../lib/contracts/user.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { ensureTopics, topicsFor } from '../lib/kafka/topics.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { spawnUntilReady } from '../stack/child-process.js';
import { freePort, startKafkaBroker } from '../stack/kafka/broker.js';
import { aBrowserAction, aLogin, aWithdrawal } from '../test/engine-user-builders.js';
import { runBench } from './cli.js';
import { writeCollectorKeys } from './services.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the one call used.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const KEY = 'tw_sk_bench-key';

const options = new Command('collector-bench')
  .option('--seconds <n>', 'duration of each phase', '10')
  .option('--connections <n>', 'concurrent HTTP connections (and in-flight batches for the baseline)', '8')
  .option('--batch <n>', 'events per request', '100')
  .parse()
  .opts<{ seconds: string; connections: string; batch: string }>();
const seconds = Math.min(Number(options.seconds), 60);
const connections = Math.min(Number(options.connections), 64);
const batchSize = Math.min(Number(options.batch), 1000);

/** Batches of a realistic mix: logins, withdrawals and (mostly) browser actions, all valid. */
function makeBatches(count: number): unknown[][] {
  const makers = [aLogin, aWithdrawal, aBrowserAction, aBrowserAction];
  return Array.from({ length: count }, (_, b) =>
    Array.from({ length: batchSize }, (_, i) => (makers[(b + i) % makers.length] as () => unknown)()),
  );
}

async function main(): Promise<void> {
  const log = createLogger('bench', { destination: 2, level: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tradewatch-bench-'));
  const broker = await startKafkaBroker({ dataDir: join(dir, 'kafka'), log });
  try {
    const env = { KAFKA_BROKERS: broker.bootstrap, KAFKA_TOPIC_PREFIX: 'bench.' };
    const config = loadConfig(env);
    const kafka = createKafka(config, log);
    await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, Object.values(topics)));
    const batches = makeBatches(200);
    const bodies = batches.map((events) => JSON.stringify({ events }));

    // Baseline: the same batches through EventProducer directly, `connections` in flight.
    const producer = await EventProducer.connect(kafka, config, log);
    const routeOf = (e: unknown) =>
      (e as { type: string }).type === 'user.login'
        ? userTopics.userLogins
        : (e as { type: string }).type === 'user.withdrawal'
          ? userTopics.userFunds
          : userTopics.userBrowser;
    const produceFor = async (ms: number): Promise<number> => {
      let accepted = 0;
      const end = Date.now() + ms;
      await Promise.all(
        Array.from({ length: connections }, async (_, worker) => {
          for (let n = worker; Date.now() < end; n += connections) {
            const groups = new Map<unknown, unknown[]>();
            for (const e of batches[n % batches.length] as unknown[]) {
              const list = groups.get(routeOf(e));
              if (list) list.push(e);
              else groups.set(routeOf(e), [e]);
            }
            const outcomes = await Promise.all(
              [...groups].map(([spec, items]) => producer.produce(spec as never, items)),
            );
            accepted += outcomes.reduce((sum, o) => sum + o.accepted, 0);
          }
        }),
      );
      return accepted;
    };
    // A warm-up first: the first batches pay for JIT, metadata and the broker's own warm-up,
    // which would otherwise count against the baseline alone.
    await produceFor(2000);
    const started = Date.now();
    const direct = await produceFor(seconds * 1000);
    const directPerS = direct / ((Date.now() - started) / 1000);
    await producer.close();

    // The collector as its own process, then autocannon against it over loopback.
    const keysFile = writeCollectorKeys(dir, KEY);
    const port = await freePort();
    const collector = await spawnUntilReady({
      what: 'collector',
      command: process.execPath,
      args: ['--import', 'tsx', join(root, 'producers/user/main.ts')],
      cwd: root,
      env: {
        ...process.env,
        ...env,
        COLLECTOR_KEYS_FILE: keysFile,
        COLLECTOR_PORT: String(port),
        LOG_LEVEL: 'info',
      },
      logFile: join(dir, 'collector.log'),
      timeoutMs: 60_000,
      ready: (line) => (line.includes('collector listening') ? true : undefined),
    });
    try {
      let next = 0;
      const result = await autocannon({
        url: `http://127.0.0.1:${port}/v1/events`,
        method: 'POST',
        connections,
        duration: seconds,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        requests: [
          {
            setupRequest: (req: Record<string, unknown>) => ({
              ...req,
              body: bodies[next++ % bodies.length],
            }),
          },
        ],
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const accepted = [
        ...metrics.matchAll(/tradewatch_collector_events_total\{[^}]*outcome="accepted"[^}]*\} (\d+)/g),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
      const httpPerS = accepted / result.duration;
      const summary = {
        benchmark: 'collector',
        machine: machineLine(),
        at: new Date().toISOString(),
        settings: { seconds, connections, batchSize },
        http: {
          acceptedEvents: accepted,
          acceptedEventsPerS: Math.round(httpPerS),
          requestsPerS: Math.round(result.requests.average),
          latencyMsP50: result.latency.p50,
          latencyMsP99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
        },
        baseline: {
          what: 'same batches via EventProducer, no HTTP',
          acceptedEventsPerS: Math.round(directPerS),
        },
        ratioHttpToBaseline: Math.round((httpPerS / directPerS) * 100) / 100,
      };
      process.stdout.write(
        [
          machineLine(),
          `collector over HTTP : ${summary.http.acceptedEventsPerS} accepted events/s (${summary.http.requestsPerS} req/s of ${batchSize}, p50 ${summary.http.latencyMsP50} ms, p99 ${summary.http.latencyMsP99} ms, non-2xx ${summary.http.non2xx})`,
          `EventProducer direct: ${summary.baseline.acceptedEventsPerS} accepted events/s`,
          `ratio HTTP / direct : ${summary.ratioHttpToBaseline}`,
          '',
        ].join('\n'),
      );
      const out = join(here, 'results');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, `collector-${Date.now()}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    } finally {
      await collector.stop();
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('collector', main);
