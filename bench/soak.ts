/**
 * Soak: a sustained rate of the warehouse mix (all seven fact topics) through EventProducer
 * into the real stack (broker + ClickHouse with every migration, notifier with the rules,
 * delivering to a loopback webhook) for `--minutes`, with bursts of `--burst-factor`× the
 * rate for `--burst-s` every `--burst-every-s`. Every `--sample-s`: RSS of each process
 * (broker JVM, ClickHouse host, this producer process, notifier) and the consumer lag,
 * measured from the broker (end offsets minus the ClickHouse consumer groups' committed
 * offsets; chDB leaves system.kafka_consumers' lag empty).
 * Checks, each reported pass/fail: (1) after every burst the lag comes back to the steady
 * level (two seconds of flow: the engine's flush interval plus its commit) before the next
 * burst; (2) once production stops the lag reaches exactly 0; (3) memory: every process's RSS
 * levels off (the median of the run's last quarter within `--max-late-growth-pct` of the
 * second quarter's: bench/soak-chart.ts) and the ClickHouse host stays under its ceiling
 * (MEMORY_CONFIG). `--chart` draws the run as a PNG. Run: `npx tsx bench/soak.ts --help`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { startWebhookPeer } from '../alerting/testing/chat-peers.js';
import { createClickHouse, queryRows } from '../lib/clickhouse/client.js';
import { HOST_MEMORY_CEILING_MIB as HOST_CEILING_MIB } from '../lib/clickhouse/embedded.js';
import { loadConfig } from '../lib/config/config.js';
import { newEventId } from '../lib/contracts/envelope.js';
import { createKafka } from '../lib/kafka/client.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { onShutdown } from '../lib/service/lifecycle.js';
import { sleep, waitFor } from '../lib/time.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { waitForConsumers } from '../test/kafka-readiness.js';
import { eventMix } from './event-mix.js';
import { fmt, latestResult, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';
import { MemorySampler, type Service, startService, writeWebhookRouting } from './services.js';
import { levelling, levellingTable, soakChartPng } from './soak-chart.js';

// Bursts of 3x for 10 s every 2 min drain only if 10 s x (3r - C) <= 110 s x (C - r), i.e.
// r <= 0.86 C: the default rate is 0.8 of the capacity the ingest benchmark last measured.
const RATE_FRACTION = 0.8;
const latestIngest = latestResult<{ ingest?: { kafka?: { rowsPerSecond?: number } } }>('warehouse');
const measured = latestIngest?.body.ingest?.kafka?.rowsPerSecond;
const defaultRate = measured ? Math.round(measured * RATE_FRACTION) : 10_000;

const o = new Command('soak')
  .description('sustained rate with bursts into the real stack; memory and consumer lag checked')
  .option(
    '--rate <events/s>',
    `sustained rate (default ${RATE_FRACTION} x the latest ingest result${measured ? `, ${fmt(measured)} rows/s` : ': none, so 10,000'})`,
    String(defaultRate),
  )
  .option('--minutes <n>', 'run length', '10')
  .option('--burst-factor <n>', 'burst rate as a multiple of --rate', '3')
  .option('--burst-s <n>', 'burst length', '10')
  .option('--burst-every-s <n>', 'time between burst starts (first one after this long)', '120')
  .option('--sample-s <n>', 'memory and lag sampling interval', '5')
  .option(
    '--max-late-growth-pct <n>',
    "levelled off: the last quarter's median RSS within this of the second quarter's",
    '10',
  )
  .option('--chart <png>', 'also draw the run (memory and lag) as a PNG here')
  .option('--pool-copies <n>', 'warehouse datasets generated up front (about 1,674 events each)', '30')
  .option('--drain-timeout-s <n>', 'how long the lag may take to reach 0 once production stops', '120')
  .parse()
  .opts<{
    rate: string;
    minutes: string;
    burstFactor: string;
    burstS: string;
    burstEveryS: string;
    sampleS: string;
    maxLateGrowthPct: string;
    chart?: string;
    drainTimeoutS: string;
    poolCopies: string;
  }>();
const RATE = Number(o.rate);
const DURATION_MS = Number(o.minutes) * 60_000;
const BURST_FACTOR = Number(o.burstFactor);
const BURST_MS = Number(o.burstS) * 1000;
const BURST_EVERY_MS = Number(o.burstEveryS) * 1000;
const SAMPLE_MS = Number(o.sampleS) * 1000;
const MAX_LATE_GROWTH_PCT = Number(o.maxLateGrowthPct);
const SECRET = 'soak-webhook-secret';

const inBurst = (t: number) => t >= BURST_EVERY_MS && t % BURST_EVERY_MS < BURST_MS;
const rateAt = (t: number) => (inBurst(t) ? RATE * BURST_FACTOR : RATE);
const log = createLogger('soak', { destination: 2, level: 'warn' });
// Ctrl-C ends production early; the drain check, the report and the stack's shutdown still run.
let stopRequested = false;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-soak-'));
  progress(`starting the embedded stack in ${dir}`);
  const stack = await startLocalStack({ dir, log });
  const webhook = await startWebhookPeer(SECRET);
  const sampler = new MemorySampler();
  let notifier: Service | undefined;
  let producer: EventProducer | undefined;
  try {
    const env = { ...stack.env, CLICKHOUSE_DATABASE: 'soak', KAFKA_TOPIC_PREFIX: 'soak.' };
    const config = loadConfig({ ...process.env, ...env });
    await preparePipeline(config, log);
    const clickhouse = createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
    const kafka = createKafka(config, log);
    const topics = eventMix(1).map((t) => `${config.KAFKA_TOPIC_PREFIX}${t.spec.name}`);
    progress('waiting for every Kafka engine table to consume');
    await waitForConsumers(kafka, clickhouse, topics, 400_000);
    // Each Kafka table names its group and topic; read them rather than repeat the migrations'
    // naming here (0140 moved every queue to a `_v2` group).
    const kafkaTables = await queryRows<{ query: string }>(
      clickhouse,
      "SELECT create_table_query AS query FROM system.tables WHERE database = currentDatabase() AND engine = 'Kafka'",
    );
    const setting = (query: string, name: string): string | undefined =>
      new RegExp(`${name} = '([^']+)'`).exec(query)?.[1];
    const groups = kafkaTables.flatMap(({ query }) => {
      const groupId = setting(query, 'kafka_group_name');
      const topic = setting(query, 'kafka_topic_list');
      return groupId && topic ? [{ groupId, topic }] : [];
    });
    await clickhouse.close();
    const alerting = writeWebhookRouting(dir, webhook.url, SECRET);
    notifier = await startService({
      name: 'notifier',
      entry: 'alerting/main.ts',
      env: { ...env, ALERTING_CONFIG_FILE: alerting, NOTIFIER_OPS_PORT: '0' },
      dir,
      readyWhen: 'notifier ready',
    });
    producer = await EventProducer.connect(kafka, config, log);

    // Lag from the broker: what the ClickHouse groups have committed against each end offset.
    const admin = kafka.admin();
    await admin.connect();
    const lag = async (): Promise<number> => {
      let total = 0;
      for (const { groupId, topic } of groups) {
        const ends = new Map(
          (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
        );
        for (const t of await admin.fetchOffsets({ groupId, topics: [topic] })) {
          for (const p of t.partitions) {
            // -1: nothing committed on this partition yet; everything up to the end is behind.
            total += Math.max(0, (ends.get(p.partition) ?? 0) - Math.max(0, Number(p.offset)));
          }
        }
      }
      return total;
    };
    progress(`consumer lag of ${groups.map((g) => g.groupId).join(', ')}`);

    sampler.watch('kafka broker (JVM)', stack.kafka.pid);
    sampler.watch('clickhouse host', stack.clickhouse.child.pid as number);
    sampler.watch('producer (this process)', process.pid);
    sampler.watch('notifier', notifier.pid);
    const pool = eventMix(Number(o.poolCopies));
    const poolAt = Date.now();
    const poolSize = pool.reduce((n, t) => n + t.events.length, 0);
    const lanes = pool.map((t) => ({ ...t, share: t.events.length / poolSize, owed: 0, next: 0 }));
    const fresh = (e: Record<string, unknown>, now: number) => ({
      ...e,
      event_id: newEventId(now),
      occurred_at: (e.occurred_at as number) + (now - poolAt),
      produced_at: now,
    });
    const lagSamples: { atS: number; lag: number; burst: boolean }[] = [];
    const started = Date.now();
    const sampleLag = async () => {
      const t = Date.now() - started;
      lagSamples.push({ atS: Math.round(t / 100) / 10, lag: await lag(), burst: inBurst(t) });
    };
    sampler.start(SAMPLE_MS);
    const lagTimer = setInterval(
      () => void sampleLag().catch((err) => log.warn({ err }, 'lag sample failed')),
      SAMPLE_MS,
    );

    // Paced production: every tick, what the schedule owes each topic since the last one, in
    // the mix's proportions. The events come from a pool generated before the clock starts
    // (generating is slower than producing), each sent with a fresh event_id and moved to now.
    progress(
      `producing ${fmt(RATE)} events/s for ${o.minutes} min, ${BURST_FACTOR}x bursts of ${o.burstS} s every ${o.burstEveryS} s`,
    );
    let produced = 0;
    let rejected = 0;
    let failedSends = 0;
    let behind = 0;
    let lastTick = started;
    let lastReport = started;
    while (Date.now() - started < DURATION_MS && !stopRequested) {
      const now = Date.now();
      const rate = rateAt(now - started);
      await Promise.all(
        lanes.map(async (lane) => {
          lane.owed += (rate * lane.share * (now - lastTick)) / 1000;
          // At most a second's worth per tick: a tick the machine delayed must not turn into
          // one huge batch that delays the next one more (the first 60-minute run ground to a
          // halt that way). What falls further behind is counted, not sent late.
          const cap = Math.ceil(rate * lane.share);
          if (lane.owed > cap) {
            behind += Math.floor(lane.owed - cap);
            lane.owed = cap;
          }
          const n = Math.floor(lane.owed);
          if (n === 0) return;
          lane.owed -= n;
          const batch = Array.from({ length: n }, (_, i) =>
            fresh(lane.events[(lane.next + i) % lane.events.length] as Record<string, unknown>, now),
          );
          lane.next = (lane.next + n) % lane.events.length;
          // A batch Kafka did not acknowledge (a request timeout, KafkaJS's per-partition lock
          // timing out under a burst) is sent again with the same event_ids, as a real producer
          // would: copies collapse on event_id in the facts. Counted and reported, never hidden.
          for (let attempt = 1; ; attempt += 1) {
            try {
              const outcome = await (producer as EventProducer).produce(lane.spec, batch);
              produced += outcome.accepted;
              rejected += outcome.rejected.length;
              break;
            } catch (err) {
              failedSends += 1;
              if (attempt >= 5) throw err;
              log.warn({ err, topic: lane.spec.name, attempt }, 'batch not acknowledged; sending it again');
              await sleep(500 * attempt);
            }
          }
        }),
      );
      lastTick = now;
      if (now - lastReport >= 30_000) {
        lastReport = now;
        const last = lagSamples.at(-1);
        progress(
          `${Math.round((now - started) / 1000)} s: ${fmt(produced)} events, lag ${fmt(last?.lag)}, ${fmt(behind)} behind`,
        );
      }
      await sleep(Math.max(0, 100 - (Date.now() - now)));
    }
    const producedMs = Date.now() - started;
    progress(
      `produced ${fmt(produced)} events in ${fmt(producedMs / 1000)} s; waiting for the lag to reach 0`,
    );
    const drainStarted = Date.now();
    const drained = await waitFor('consumer lag 0', async () => ((await lag()) === 0 ? true : undefined), {
      timeoutMs: Number(o.drainTimeoutS) * 1000,
      intervalMs: 1000,
    }).catch(() => false);
    const drainMs = Date.now() - drainStarted;
    clearInterval(lagTimer);
    const series = sampler.stop();
    await admin.disconnect();

    // (1) bursts: for each one, the lag must fall back to the steady level before the next.
    const steadyLag = Math.max(1, Math.round(RATE * 2));
    const bursts = [];
    for (let at = BURST_EVERY_MS; at < DURATION_MS; at += BURST_EVERY_MS) {
      const window = lagSamples.filter((s) => s.atS * 1000 >= at && s.atS * 1000 < at + BURST_EVERY_MS);
      const peak = Math.max(0, ...window.map((s) => s.lag));
      const recovered = window.find((s) => s.atS * 1000 >= at + BURST_MS && s.lag <= steadyLag);
      bursts.push({
        atS: at / 1000,
        peakLag: peak,
        recoveredAfterS: recovered ? Math.round(recovered.atS - (at + BURST_MS) / 1000) : null,
        ok: recovered !== undefined || (at + BURST_EVERY_MS > DURATION_MS && drained),
      });
    }
    // (3) memory: every process levels off; the ClickHouse host stays under its ceiling.
    const rssSamples = series.map((s) => ({ process: s.name, samples: s.samples }));
    const memory = levelling({ rssSamples }, MAX_LATE_GROWTH_PCT).map((m) => {
      const underCeiling = m.process !== 'clickhouse host' || m.peakMiB <= HOST_CEILING_MIB;
      return { ...m, underCeiling, ok: m.levelled && underCeiling };
    });
    const achieved = Math.round(produced / (producedMs / 1000));
    const checks = {
      burstsRecovered: bursts.every((b) => b.ok),
      lagDrainedToZero: drained,
      memoryBounded: memory.every((m) => m.ok),
    };
    const summary: SummaryRow[] = [
      {
        benchmark: `soak ${o.minutes} min, ${BURST_FACTOR}x bursts: lag back after each burst, 0 at the end`,
        result: `${fmt(achieved)} ev/s, max lag ${fmt(Math.max(0, ...lagSamples.map((s) => s.lag)))}, drained in ${fmt(drainMs / 1000)} s`,
        baseline: `${fmt(RATE)} ev/s asked`,
        ratio: Math.round((achieved / RATE) * 100) / 100,
        target: 'lag recovers, ends at 0',
        met: checks.burstsRecovered && checks.lagDrainedToZero,
      },
      {
        benchmark: `soak memory: every process levels off; ClickHouse host under ${fmt(HOST_CEILING_MIB)} MiB`,
        result: `late growth max ${fmt(Math.max(...memory.map((m) => m.lateGrowthPct)), 1)}%, host peak ${fmt(memory.find((m) => m.process === 'clickhouse host')?.peakMiB)} MiB`,
        baseline: 'median RSS of the second quarter',
        ratio: null,
        target: `<= ${MAX_LATE_GROWTH_PCT}%, under the ceiling`,
        met: checks.memoryBounded,
      },
    ];
    const yes = (ok: boolean) => (ok ? 'pass' : 'FAIL');
    process.stdout.write(
      `${[
        machineLine(),
        `rate ${fmt(RATE)} events/s asked, ${fmt(achieved)} achieved; ${fmt(produced)} events (${rejected} refused by the contracts, ${failedSends} unacknowledged sends retried, ${fmt(behind)} not sent: the producer fell more than a second behind) over ${fmt(producedMs / 1000)} s; ${webhook.requests.length} webhook requests`,
        levellingTable(memory, `levelled, host under ${fmt(HOST_CEILING_MIB)} MiB`),
        table(
          ['burst at s', 'peak lag', `back to <= ${fmt(steadyLag)} after s`, 'ok'],
          bursts.map((b) => [
            String(b.atS),
            fmt(b.peakLag),
            b.recoveredAfterS === null ? '-' : String(b.recoveredAfterS),
            yes(b.ok),
          ]),
        ),
        `lag after production stopped: ${drained ? `0 after ${fmt(drainMs / 1000, 1)} s` : `not 0 within ${o.drainTimeoutS} s`} (${yes(drained)})`,
        summaryTable(summary),
      ].join('\n')}\n`,
    );
    const file = writeResult('soak', summary, {
      settings: {
        rate: RATE,
        rateSource:
          o.rate === String(defaultRate) && measured ? `${RATE_FRACTION} x ${latestIngest?.file}` : 'flag',
        minutes: Number(o.minutes),
        burstFactor: BURST_FACTOR,
        burstS: Number(o.burstS),
        burstEveryS: Number(o.burstEveryS),
        sampleS: Number(o.sampleS),
        maxLateGrowthPct: MAX_LATE_GROWTH_PCT,
        hostCeilingMiB: HOST_CEILING_MIB,
      },
      produced,
      failedSends,
      behind,
      rejected,
      achievedEventsPerS: achieved,
      checks,
      bursts,
      drain: { drained, ms: drainMs },
      memory,
      lagSamples,
      rssSamples,
    });
    process.stdout.write(`results: ${file}\n`);
    if (o.chart) {
      const run = {
        settings: { rate: RATE, minutes: Number(o.minutes), burstFactor: BURST_FACTOR },
        achievedEventsPerS: achieved,
        lagSamples,
        rssSamples,
      };
      writeFileSync(
        o.chart,
        await soakChartPng(
          run,
          `Soak: ${o.minutes} min at ${fmt(RATE)} events/s asked (${fmt(achieved)} achieved)`,
          HOST_CEILING_MIB,
        ),
      );
      process.stdout.write(`chart: ${o.chart}\n`);
    }
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
  } finally {
    sampler.stop();
    await producer?.close();
    await notifier?.stop();
    await webhook.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const finished = main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
onShutdown(
  log,
  async () => {
    stopRequested = true;
    await finished;
  },
  Number(o.drainTimeoutS) * 1000 + 60_000,
);
