/**
 * Peak memory of each service, each a real child process under load: the Kafka broker
 * (JVM), the ClickHouse host process, the collector (HTTP load from here), the market
 * replay, the simulator and the notifier (delivering the simulator's alerts to a loopback
 * webhook). Peak = VmHWM from /proc/<pid>/status. Baselines from the same run: an idle
 * Node process, and each long-running service's own peak when ready and idle, before the load.
 * Run: `npx tsx bench/memory.bench.ts [--seconds 60] [--sim-rate 500] [--replay-speed 10]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebhookPeer } from '../alerting/testing/chat-peers.js';
import { HOST_MEMORY_CEILING_MIB as HOST_CEILING_MIB } from '../lib/clickhouse/embedded.js';
import { loadConfig } from '../lib/config/config.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { sleep } from '../lib/time.js';
import { stopChild } from '../stack/child-process.js';
import { freePort } from '../stack/kafka/broker.js';
import { startLocalStack } from '../stack/local-stack.js';
import { preparePipeline } from '../stack/pipeline.js';
import { aBrowserAction, aLogin, aWithdrawal } from '../test/engine-user-builders.js';
import { benchOptions, runBench } from './cli.js';
import { fmt, processMemory, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';
import {
  MemorySampler,
  type Service,
  startService,
  writeCollectorKeys,
  writeWebhookRouting,
} from './services.js';

const o = benchOptions(
  'memory-bench',
  'peak RSS (VmHWM) of every service as its own process under load, against idle baselines',
  { seconds: 60, simRate: 500, replaySpeed: 10, collectorConcurrency: 4 },
);
const KEY = 'tw_sk_memory-bench-key';
const SECRET = 'memory-bench-webhook-secret';

/** VmHWM of a bare `node` that does nothing: the floor any Node service starts from. */
async function idleNodeMiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(1500);
  const peak = processMemory(child.pid as number)?.peakMiB ?? Number.NaN;
  await stopChild(child);
  return peak;
}

async function loadCollector(url: string, until: number, concurrency: number): Promise<number> {
  const makers = [aLogin, aWithdrawal, aBrowserAction, aBrowserAction];
  let accepted = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const events = Array.from({ length: 100 }, (_, i) => (makers[i % makers.length] as () => unknown)());
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          body: JSON.stringify({ events }),
        });
        if (res.ok) accepted += events.length;
        await res.arrayBuffer();
      }
    }),
  );
  return accepted;
}

async function main(): Promise<void> {
  const log = createLogger('bench', { destination: 2, level: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tw-memory-'));
  const idleNode = await idleNodeMiB();
  progress(`idle Node process: ${fmt(idleNode, 1)} MiB; starting the embedded stack`);
  const stack = await startLocalStack({ dir, log });
  const webhook = await startWebhookPeer(SECRET);
  const services: Service[] = [];
  const sampler = new MemorySampler();
  try {
    const env = { ...stack.env, CLICKHOUSE_DATABASE: 'tradewatch', KAFKA_TOPIC_PREFIX: '' };
    await preparePipeline(loadConfig({ ...process.env, ...env }), log);
    sampler.watch('kafka broker (JVM)', stack.kafka.pid);
    sampler.watch('clickhouse host', stack.clickhouse.child.pid as number);

    const alerting = writeWebhookRouting(dir, webhook.url, SECRET);
    const keysFile = writeCollectorKeys(dir, KEY);
    const collectorPort = await freePort();
    progress('starting the notifier and the collector');
    const notifier = await startService({
      name: 'notifier',
      entry: 'alerting/main.ts',
      env: { ...env, ALERTING_CONFIG_FILE: alerting, NOTIFIER_OPS_PORT: '0' },
      dir,
      readyWhen: 'notifier ready',
    });
    const collector = await startService({
      name: 'collector',
      entry: 'producers/user/main.ts',
      env: { ...env, COLLECTOR_KEYS_FILE: keysFile, COLLECTOR_PORT: String(collectorPort) },
      dir,
      readyWhen: 'collector listening',
    });
    services.push(notifier, collector);
    await sleep(2000);
    sampler.watch('notifier', notifier.pid);
    sampler.watch('collector', collector.pid);

    const seconds = o.seconds;
    progress(
      `load for ${seconds} s: simulator ${o.simRate}/s, market replay x${o.replaySpeed}, collector over HTTP`,
    );
    const simulator = await startService({
      name: 'simulator',
      entry: 'producers/simulator/main.ts',
      args: ['--rate', String(o.simRate), '--scenarios', 'all', '--labels', join(dir, 'labels.jsonl')],
      env,
      dir,
    });
    const replay = await startService({
      name: 'market-replay',
      entry: 'producers/market/main.ts',
      args: ['replay', 'producers/market/samples/binance-usdm.jsonl.gz', '--speed', String(o.replaySpeed)],
      env,
      dir,
    });
    services.push(simulator, replay);
    sampler.watch('simulator', simulator.pid);
    sampler.watch('market replay', replay.pid);
    sampler.start(1000);
    const until = Date.now() + seconds * 1000;
    const collected = await loadCollector(
      `http://127.0.0.1:${collectorPort}/v1/events`,
      until,
      o.collectorConcurrency,
    );
    const series = sampler.stop();
    const delivered = webhook.requests.filter((r) => r.delivered).length;
    const notes = {
      collectorAcceptedEvents: collected,
      webhookDeliveries: delivered,
      replayExitedEarly: replay.exited(),
      simulatorExitedEarly: simulator.exited(),
    };
    progress(`collector took ${fmt(collected)} events; ${delivered} webhook deliveries`);

    // The broker and ClickHouse are compared with themselves idle (started, migrated);
    // the simulator and the replay have no idle state of their own, so an idle Node process.
    const rows = series.map((s) => {
      const ownIdle = ['simulator', 'market replay'].includes(s.name) ? undefined : s.idlePeakMiB;
      const baseline = ownIdle ?? idleNode;
      return {
        service: s.name,
        peakMiB: s.peakMiB,
        baselineMiB: baseline,
        baselineWhat: ownIdle === undefined ? 'idle node' : 'same, idle',
        samples: s.samples,
      };
    });
    const summary: SummaryRow[] = rows.map((r) => ({
      benchmark: `peak RSS ${r.service} under load`,
      result: `${fmt(r.peakMiB, 0)} MiB`,
      baseline: `${fmt(r.baselineMiB, 0)} MiB ${r.baselineWhat}`,
      ratio: r.peakMiB === undefined ? null : Math.round((r.peakMiB / r.baselineMiB) * 100) / 100,
      // The ClickHouse host has a stated ceiling (MEMORY_CONFIG); the others are recorded.
      ...(r.service === 'clickhouse host'
        ? { target: `<= ${fmt(HOST_CEILING_MIB)} MiB`, met: (r.peakMiB ?? Infinity) <= HOST_CEILING_MIB }
        : { target: 'recorded', met: null }),
    }));
    process.stdout.write(
      `${[
        machineLine(),
        `load: ${seconds} s; collector ${fmt(collected)} events; ${delivered} alert deliveries; idle node ${fmt(idleNode, 1)} MiB`,
        table(
          ['service', 'peak MiB (VmHWM)', 'baseline MiB', 'baseline'],
          rows.map((r) => [r.service, fmt(r.peakMiB, 1), fmt(r.baselineMiB, 1), r.baselineWhat]),
        ),
        summaryTable(summary),
      ].join('\n')}\n`,
    );
    const file = writeResult('memory', summary, {
      settings: { seconds, simRate: o.simRate, replaySpeed: o.replaySpeed },
      idleNodeMiB: idleNode,
      notes,
      services: rows,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    sampler.stop();
    for (const s of services.reverse()) await s.stop();
    await webhook.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('memory', main);
