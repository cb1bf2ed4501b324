/**
 * Event-to-alert latency under background load, for a per-event rule (account-takeover:
 * one large withdrawal after a new-IP login fires it) and a windowed rule (wash-trading:
 * fires on the third pre-arranged trade). The simulator plants each scenario several
 * times over real-time background flow into a real broker; ClickHouse ingests through the
 * Kafka engine, the rules (refreshable views) write `alerts`, and the notifier delivers to
 * a loopback webhook. Per alert: the trigger event's produced_at (it entered Kafka) → the
 * alert row's detected_at, and → the webhook receiving it. Baseline from the same run:
 * the ingestion lag alone (produced_at → ingested_at) of the facts each rule reads, the
 * floor no rule can go under. Run: `npx tsx bench/alert-latency.bench.ts --help`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRouting } from '../alerting/config.js';
import { type AlertRow, catches, readAlerts, recordFiringDeliveries } from '../alerting/scenario-match.js';
import { chTimeMs } from '../alerting/store.js';
import { startWebhookPeer } from '../alerting/testing/chat-peers.js';
import { queryRows } from '../lib/clickhouse/client.js';
import type { ScenarioName, SimLabel } from '../lib/contracts/simulation.js';
import { createKafka } from '../lib/kafka/client.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { waitFor } from '../lib/time.js';
import { SimulationRunner } from '../producers/simulator/runner.js';
import { Simulation } from '../producers/simulator/simulation.js';
import { startDetectionStack } from '../stack/detection-stack.js';
import { benchOptions, runBench } from './cli.js';
import { halfOfMeasuredIngest, type IngestLoad, startIngestLoad } from './ingest-load.js';
import { fmt, percentile, progress, type SummaryRow, summaryTable, table, writeResult } from './report.js';

/** The rules measured, the scenario that fires each, its p99 target and the facts it reads. */
const RULES = [
  { rule: 'account-takeover', kind: 'per-event', targetP99Ms: 2_000, facts: ['user_funds', 'user_logins'] },
  {
    rule: 'wash-trading',
    kind: 'windowed',
    targetP99Ms: 5_000,
    facts: ['engine_executions', 'engine_orders'],
  },
] as const;
const SECRET = 'alert-latency-bench-secret';

const o = benchOptions(
  'alert-latency-bench',
  'event → alert row → webhook delivery latency, per-event and windowed rule, under load',
  { plants: 6, seconds: 120, rate: 200, seed: 11 },
  (c) =>
    c.option(
      '--ingest-rate <n|auto>',
      'background ingest (warehouse mix) events/s beside the simulator; auto: half the newest warehouse result, 0: none',
      'auto',
    ),
);

/** The background ingest rate: a number, or half of what the warehouse benchmark last measured. */
function ingestRate(): { rate: number; source: string } {
  const flag = o.other.ingestRate ?? 'auto';
  if (flag !== 'auto') {
    const rate = Number(flag);
    if (!Number.isFinite(rate) || rate < 0)
      throw new Error(`--ingest-rate takes a number or auto, got "${flag}"`);
    return { rate, source: '--ingest-rate' };
  }
  return (
    halfOfMeasuredIngest() ?? {
      rate: 0,
      source:
        'none: no warehouse result in bench/results (run the warehouse benchmark first, or give --ingest-rate)',
    }
  );
}

async function main(): Promise<void> {
  const log = createLogger('bench', { destination: 2, level: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tw-alert-latency-'));
  progress('starting the embedded stack, the rules and the notifier');
  const webhook = await startWebhookPeer(SECRET);
  const running = await startDetectionStack({
    dir,
    database: 'alert_latency',
    routing: parseRouting({
      channels: { hook: { type: 'webhook', url: webhook.url, secret: SECRET } },
      routes: [{ channels: ['hook'], group_max_alerts: 1, repeat_interval_s: 0 }],
    }),
    log,
    service: 'alert-latency-bench',
  }).catch(async (err: unknown) => {
    await webhook.close();
    throw err;
  });
  let load: IngestLoad | undefined;
  try {
    const { clickhouse, producer } = running;
    const plants = o.plants;
    const ingest = ingestRate();
    if (ingest.rate > 0) {
      progress(`background ingest: ${fmt(ingest.rate)} events/s of the warehouse mix (${ingest.source})`);
      load = await startIngestLoad(
        createKafka(running.config, log),
        running.config.KAFKA_TOPIC_PREFIX,
        ingest.rate,
      );
    }
    const scenarios: ScenarioName[] = Array.from({ length: plants }, () =>
      RULES.map((r) => r.rule as ScenarioName),
    ).flat();
    const sim = new Simulation({ seed: o.seed, startMs: Date.now(), ratePerSecond: o.rate });
    progress(`real time: ${o.seconds} s at ${o.rate} events/s with ${scenarios.length} scenarios planted`);
    const runStarted = Date.now();
    const run = await new SimulationRunner(sim, producer, log).run({
      durationMs: o.seconds * 1000,
      scenarios,
      fullSpeed: false,
      labels: undefined,
    });
    progress(
      `${fmt(run.events)} events produced in ${fmt((Date.now() - runStarted) / 1000)} s; waiting for deliveries`,
    );

    const labels: SimLabel[] = run.labels.filter((l) => RULES.some((r) => r.rule === l.scenario));
    const receivedAt = new Map<string, number>();
    const readPeer = () => recordFiringDeliveries(webhook.requests, receivedAt);
    let alerts: AlertRow[] = [];
    const delivered = await waitFor(
      'every planted scenario delivered',
      async () => {
        readPeer();
        alerts = await readAlerts(clickhouse);
        return labels.every((l) => alerts.some((a) => catches(a, l) && receivedAt.has(a.fingerprint)))
          ? true
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch(() => false);
    if (!delivered) progress('some planted scenarios were not delivered within 90 s; reporting what was');
    const loaded = await load?.stop();
    load = undefined;

    const results = [];
    for (const spec of RULES) {
      const planted = labels.filter((l) => l.scenario === spec.rule);
      const mine = alerts.filter((a) => a.rule_id === spec.rule && planted.some((l) => catches(a, l)));
      const toRow = mine.map((a) => chTimeMs(a.detected_at) - chTimeMs(a.trigger_at));
      const toDelivery = mine
        .filter((a) => receivedAt.has(a.fingerprint))
        .map((a) => (receivedAt.get(a.fingerprint) as number) - chTimeMs(a.trigger_at));
      const since = new Date(runStarted).toISOString().replace('T', ' ').replace('Z', '');
      const [lag] = await queryRows<{ p50: number; p99: number }>(
        clickhouse,
        `SELECT quantile(0.5)(lag) AS p50, quantile(0.99)(lag) AS p99 FROM (
           ${spec.facts
             .map(
               (f) =>
                 `SELECT dateDiff('millisecond', produced_at, ingested_at) AS lag FROM ${f} WHERE produced_at >= {since:DateTime64(3)}`,
             )
             .join(' UNION ALL ')})`,
        { since },
      );
      const q = (xs: number[], p: number) => percentile(xs, p);
      results.push({
        ...spec,
        planted: planted.length,
        detected: mine.length,
        delivered: toDelivery.length,
        toAlertRowMs: { p50: q(toRow, 50), p95: q(toRow, 95), p99: q(toRow, 99) },
        toDeliveryMs: { p50: q(toDelivery, 50), p95: q(toDelivery, 95), p99: q(toDelivery, 99) },
        ingestLagMs: { p50: Number(lag?.p50), p99: Number(lag?.p99) },
        samples: { toAlertRowMs: toRow, toDeliveryMs: toDelivery },
      });
    }
    const trio = (x: { p50?: number; p95?: number; p99?: number }) =>
      `${fmt(x.p50)} / ${fmt(x.p95)} / ${fmt(x.p99)}`;
    const summary: SummaryRow[] = results.map((r) => ({
      benchmark: `event -> delivered alert, ${r.rule} (${r.kind}, n=${r.delivered}/${r.planted}) p50/p95/p99`,
      result: `${trio(r.toDeliveryMs)} ms`,
      baseline: `ingest lag p99 ${fmt(r.ingestLagMs.p99)} ms`,
      ratio:
        r.toDeliveryMs.p99 === undefined
          ? null
          : Math.round((r.toDeliveryMs.p99 / r.ingestLagMs.p99) * 100) / 100,
      target: `p99 <= ${fmt(r.targetP99Ms)} ms, ingest ${loaded ? `${fmt(loaded.rate)} ev/s` : 'idle'}`,
      met:
        r.toDeliveryMs.p99 !== undefined && r.delivered === r.planted && r.toDeliveryMs.p99 <= r.targetP99Ms,
    }));
    process.stdout.write(
      `${[
        machineLine(),
        `load: ${fmt(run.events)} events at ${o.rate}/s real time over ${fmt(run.wallMs / 1000)} s, seed ${o.seed}`,
        loaded
          ? `background ingest: ${fmt(loaded.sent)} events in ${fmt(loaded.seconds)} s = ${fmt(loaded.rate)} ev/s (asked ${fmt(ingest.rate)}: ${ingest.source}; sender at most ${fmt(loaded.maxBehind)} events behind)`
          : `background ingest: none (${ingest.source})`,
        table(
          [
            'rule',
            'planted',
            'delivered',
            'to alert row p50/p95/p99 ms',
            'to webhook p50/p95/p99 ms',
            'ingest lag p50/p99 ms',
          ],
          results.map((r) => [
            `${r.rule} (${r.kind})`,
            String(r.planted),
            String(r.delivered),
            trio(r.toAlertRowMs),
            trio(r.toDeliveryMs),
            `${fmt(r.ingestLagMs.p50)} / ${fmt(r.ingestLagMs.p99)}`,
          ]),
        ),
        summaryTable(summary),
      ].join('\n')}\n`,
    );
    const file = writeResult('alert-latency', summary, {
      settings: { plants, seconds: o.seconds, rate: o.rate, seed: o.seed, ingest },
      backgroundIngest: loaded ?? null,
      events: run.events,
      rules: results,
    });
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await load?.stop();
    await running.stop();
    await webhook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('alert-latency', main);
