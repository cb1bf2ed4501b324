/**
 * `npm run detection-report`: how well the rules catch what the simulator plants.
 * Starts its own embedded stack (temp dir), installs the rules, runs the notifier against
 * a loopback webhook peer, drives the simulator with every labelled scenario over
 * background flow, and prints per rule: scenarios planted, detected, missed, negative
 * controls planted and fired, false alerts (count and per hour of background),
 * and the time from the triggering event (its produced_at, when it entered Kafka) to the
 * webhook receiving the alert (p50/p99). JSON goes to bench/results/.
 * Beside the simulator, the crafted derivatives tape (the derivatives rules test's) plays
 * live through the real Binance and Bybit adapters into Kafka, its cases due in the run's
 * last half-minute; each planted case and negative control is a label of its own name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { parseRouting } from '../alerting/config.js';
import { renderRules } from '../alerting/rules/loader.js';
import {
  type AlertRow,
  catches,
  firesOn,
  isControl,
  type PlantedScenario,
  readAlerts,
  recordFiringDeliveries,
  ruleOf,
  scenarioRules,
} from '../alerting/scenario-match.js';
import { chTimeMs } from '../alerting/store.js';
import { startWebhookPeer } from '../alerting/testing/chat-peers.js';
import { queryRows } from '../lib/clickhouse/client.js';
import { scenarioNames } from '../lib/contracts/simulation.js';
import { createLogger } from '../lib/log.js';
import { machineInfo, machineLine } from '../lib/machine.js';
import { waitFor } from '../lib/time.js';
import { SimulationRunner } from '../producers/simulator/runner.js';
import { Simulation } from '../producers/simulator/simulation.js';
import { type DerivativesReplay, startDerivativesReplay } from '../stack/derivatives-replay.js';
import { startDetectionStack } from '../stack/detection-stack.js';
import { runBench } from './cli.js';

const here = dirname(fileURLToPath(import.meta.url));
const SECRET = 'detection-report-webhook-secret';
/** The derivatives tape's `end` falls this long before the simulated run's: its cases are due within the run. */
const TAPE_END_BEFORE_RUN_END_MS = 30_000;
/** The tape is built before its history is loaded and the rules installed: the time allowed for that. */
const TAPE_HISTORY_ALLOWANCE_MS = 30_000;
/**
 * Tape traffic after its `end`: longer than the wait for deliveries and the settle after the
 * run, so no feed falls silent (a stale-feed alert) before the report has read the alerts.
 */
const TAPE_TAIL_MS = 240_000;

const duration = (v: string): number => {
  const m = /^(\d+)(s|m)$/.exec(v);
  if (!m) throw new InvalidArgumentError('like 90s or 3m');
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1_000);
};

const percentile = (xs: number[], p: number): number | undefined => {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

interface RefreshCost {
  rule: string;
  refreshes: number;
  duration_p50_ms: number | undefined;
  duration_max_ms: number | undefined;
  gap_p50_ms: number | undefined;
  gap_max_ms: number | undefined;
}

/**
 * Samples system.view_refreshes every second while the run goes on: each rule view's refresh
 * durations and the time between the starts of its refreshes (above its refresh_s when the
 * refreshes queue behind each other on a busy machine). Where the event-to-alert time goes.
 */
function watchRefreshes(clickhouse: Parameters<typeof queryRows>[0]): { stop(): RefreshCost[] } {
  const seen = new Map<string, Map<string, number>>();
  const starts = new Map<string, Set<number>>();
  const sample = async () => {
    const rows = await queryRows<{ view: string; at: string; started: string; ms: number }>(
      clickhouse,
      `SELECT view, toString(last_success_time) AS at, toString(toUnixTimestamp64Milli(toDateTime64(last_refresh_time, 3))) AS started,
              last_success_duration_ms AS ms
       FROM system.view_refreshes WHERE database = currentDatabase() AND startsWith(view, 'alert_rule_')`,
    );
    for (const r of rows) {
      const rule = r.view.replace(/^alert_rule_/, '').replaceAll('_', '-');
      (seen.get(rule) ?? seen.set(rule, new Map()).get(rule))?.set(r.at, Number(r.ms));
      (starts.get(rule) ?? starts.set(rule, new Set()).get(rule))?.add(Number(r.started));
    }
  };
  const timer = setInterval(() => void sample().catch(() => {}), 1_000);
  return {
    stop() {
      clearInterval(timer);
      return [...seen].map(([rule, byTime]) => {
        const durations = [...byTime.values()];
        const at = [...(starts.get(rule) ?? [])].sort((a, b) => a - b);
        const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
        return {
          rule,
          refreshes: durations.length,
          duration_p50_ms: percentile(durations, 50),
          duration_max_ms: percentile(durations, 100),
          gap_p50_ms: percentile(gaps, 50),
          gap_max_ms: percentile(gaps, 100),
        };
      });
    },
  };
}

async function main(o: { seed: number; duration: number; rate: number; fullSpeed: boolean; keep: boolean }) {
  const log = createLogger('detection-report', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tradewatch-detection-'));
  const started = Date.now();
  process.stderr.write(`starting an embedded stack in ${dir}…\n`);
  const webhook = await startWebhookPeer(SECRET);
  const routing = parseRouting({
    channels: { hook: { type: 'webhook', url: webhook.url, secret: SECRET } },
    routes: [{ channels: ['hook'], group_max_alerts: 1, repeat_interval_s: 0 }],
  });
  let tape: DerivativesReplay | undefined;
  const running = await startDetectionStack({
    dir,
    database: 'detection',
    routing,
    log,
    service: 'detection-report',
    beforeRules: async (producer, clickhouse) => {
      process.stderr.write('loading the derivatives tape’s 35 minutes of market history…\n');
      const started = await startDerivativesReplay({
        producer,
        clickhouse,
        log,
        dir,
        endInMs: TAPE_HISTORY_ALLOWANCE_MS + o.duration - TAPE_END_BEFORE_RUN_END_MS,
        tape: { seed: o.seed, tailMs: TAPE_TAIL_MS },
      });
      tape = started;
      return () => started.stop();
    },
  }).catch(async (err: unknown) => {
    await webhook.close();
    throw err;
  });
  const { clickhouse, producer } = running;
  const tapeCases = tape?.cases ?? [];
  const tapeEnd = tape?.end ?? Date.now();
  try {
    const sim = new Simulation({
      seed: o.seed,
      startMs: o.fullSpeed ? Date.now() - o.duration : Date.now(),
      ratePerSecond: o.rate,
    });
    process.stderr.write(
      `simulating ${o.duration / 1000} s (${o.fullSpeed ? 'full speed' : 'real time'}, seed ${o.seed}, ${o.rate} events/s, scenarios: all)…\n`,
    );
    const refreshes = watchRefreshes(clickhouse);
    const run = await new SimulationRunner(sim, producer, log).run({
      durationMs: o.duration,
      scenarios: scenarioNames,
      fullSpeed: o.fullSpeed,
      labels: undefined,
      rawSink: running.sendRaw,
    });
    const labels: PlantedScenario[] = [
      ...run.labels,
      ...tapeCases.map((c) => ({ scenario: c.name, entity: c.entity })),
    ];
    const planted = labels.filter((l) => !isControl(l.scenario));
    const controls = labels.filter((l) => isControl(l.scenario));
    // Wait for every planted scenario to reach the webhook, up to 90 s after the run.
    const receivedAt = new Map<string, number>();
    const readPeer = () => recordFiringDeliveries(webhook.requests, receivedAt);
    const alertsNow = () => readAlerts(clickhouse);
    const matches = catches;
    let alerts: AlertRow[] = [];
    await waitFor(
      'every planted scenario delivered',
      async () => {
        readPeer();
        alerts = await alertsNow();
        return planted.every((l) => alerts.some((a) => matches(a, l) && receivedAt.has(a.fingerprint)))
          ? true
          : undefined;
      },
      // 90 s after the run, or after the tape's end when that is later (a slow start-up).
      { timeoutMs: Math.max(90_000, tapeEnd + 90_000 - Date.now()), intervalMs: 500 },
    ).catch(() =>
      process.stderr.write('some scenarios were not detected within 90 s of the end of the run\n'),
    );
    // A little longer for late false alerts to show (rules refresh every 1–10 s).
    const settleUntil = Date.now() + 12_000;
    while (Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 500));
    readPeer();
    alerts = await alertsNow();

    // Where the time goes: Kafka → ClickHouse ingestion, per fact, over the run.
    const ingestion = await queryRows<{ fact: string; p50_ms: number; p99_ms: number }>(
      clickhouse,
      `SELECT fact, round(quantile(0.5)(lag)) AS p50_ms, round(quantile(0.99)(lag)) AS p99_ms FROM (
         SELECT 'engine_orders' AS fact, dateDiff('millisecond', produced_at, ingested_at) AS lag FROM engine_orders
         UNION ALL SELECT 'engine_executions', dateDiff('millisecond', produced_at, ingested_at) FROM engine_executions
         UNION ALL SELECT 'user_logins', dateDiff('millisecond', produced_at, ingested_at) FROM user_logins
         UNION ALL SELECT 'user_funds', dateDiff('millisecond', produced_at, ingested_at) FROM user_funds
         UNION ALL SELECT 'social_mentions', dateDiff('millisecond', produced_at, ingested_at) FROM social_mentions)
       GROUP BY fact ORDER BY fact`,
    );
    const refreshCost = refreshes.stop();
    const falseDetails = await queryRows<{ rule_id: string; entity: string; summary: string }>(
      clickhouse,
      'SELECT rule_id, entity, substring(summary, 1, 160) AS summary FROM alerts FINAL WHERE rule_id NOT IN {trading:Array(String)} ORDER BY detected_at',
      { trading: scenarioRules() },
    );
    const ruleIds = renderRules({}).rendered.map((r) => r.rule.id);
    const hours = o.duration / 3_600_000;
    const rows = ruleIds.map((rule) => {
      const mineLabels = planted.filter((l) => ruleOf(l.scenario) === rule);
      const detected = mineLabels.filter((l) => alerts.some((a) => matches(a, l)));
      const mine = alerts.filter((a) => a.rule_id === rule);
      const myControls = controls.filter((l) => ruleOf(l.scenario) === rule);
      const controlsFired = myControls.filter((c) => mine.some((a) => firesOn(a, c)));
      // False: neither a planted scenario nor a control (those are counted on their own).
      const falseAlerts = mine.filter(
        (a) => !labels.some((l) => matches(a, l)) && !controls.some((c) => firesOn(a, c)),
      );
      const latencies = mine
        .filter((a) => planted.some((l) => matches(a, l)) && receivedAt.has(a.fingerprint))
        .map((a) => (receivedAt.get(a.fingerprint) as number) - chTimeMs(a.trigger_at));
      return {
        rule,
        planted: mineLabels.length,
        detected: detected.length,
        missed: mineLabels.length - detected.length,
        controls: myControls.length,
        controls_fired: controlsFired.length,
        false_alerts: falseAlerts.length,
        false_per_hour: falseAlerts.length / hours,
        false_entities: falseAlerts.map((a) => a.entity),
        latencies_ms: latencies,
      };
    });
    const all = rows.flatMap((r) => r.latencies_ms);
    const detectionLatency = alerts
      .filter((a) => labels.some((l) => matches(a, l)))
      .map((a) => chTimeMs(a.detected_at) - chTimeMs(a.trigger_at));
    const summary = {
      machine: machineInfo(),
      seed: o.seed,
      simulated_ms: o.duration,
      mode: o.fullSpeed ? 'full-speed' : 'real-time',
      events: run.events,
      labels: labels.map((l) => ({ scenario: l.scenario, entity: l.entity, control: isControl(l.scenario) })),
      rules: rows,
      latency_ms: { p50: percentile(all, 50), p99: percentile(all, 99), n: all.length },
      trigger_to_alert_ms: { p50: percentile(detectionLatency, 50), p99: percentile(detectionLatency, 99) },
      false_alerts_total: rows.reduce((s, r) => s + r.false_alerts, 0),
      controls_fired_total: rows.reduce((s, r) => s + r.controls_fired, 0),
      ingestion_lag_ms: ingestion,
      refreshes: refreshCost,
      non_scenario_alerts: falseDetails,
      wall_ms: Date.now() - started,
    };
    const fmt = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)}`);
    const out = [
      machineLine(),
      `run: seed ${o.seed}, ${o.duration / 1000} s simulated (${summary.mode}), ${run.events} events, ${planted.length} scenarios planted, ${controls.length} negative controls (${tapeCases.length} of them cases of the derivatives tape, replayed through the venue adapters)`,
      '',
      `${'rule'.padEnd(22)}${'planted'.padStart(8)}${'detected'.padStart(9)}${'missed'.padStart(7)}${'controls'.padStart(9)}${'fired'.padStart(6)}${'false'.padStart(6)}${'false/h'.padStart(8)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}`,
      ...rows.map(
        (r) =>
          `${r.rule.padEnd(22)}${String(r.planted).padStart(8)}${String(r.detected).padStart(9)}${String(r.missed).padStart(7)}${String(r.controls).padStart(9)}${String(r.controls_fired).padStart(6)}${String(r.false_alerts).padStart(6)}${r.false_per_hour.toFixed(1).padStart(8)}${fmt(percentile(r.latencies_ms, 50)).padStart(8)}${fmt(percentile(r.latencies_ms, 99)).padStart(8)}`,
      ),
      '',
      `event → delivery (webhook received), all detected scenarios: p50 ${fmt(summary.latency_ms.p50)} ms, p99 ${fmt(summary.latency_ms.p99)} ms (n=${all.length})`,
      `event → alert row (rule evaluation): p50 ${fmt(summary.trigger_to_alert_ms.p50)} ms, p99 ${fmt(summary.trigger_to_alert_ms.p99)} ms`,
      `ingestion (produced → in ClickHouse): ${ingestion.map((i) => `${i.fact} p50 ${i.p50_ms}/p99 ${i.p99_ms} ms`).join('; ')}`,
      `rule refreshes over the run (view, count, duration p50/max ms, gap between starts p50/max ms): ${refreshCost
        .map(
          (r) =>
            `${r.rule} ${r.refreshes} ${r.duration_p50_ms}/${r.duration_max_ms} ${r.gap_p50_ms}/${r.gap_max_ms}`,
        )
        .join('; ')}`,
      `false alerts on background flow: ${summary.false_alerts_total}`,
      ...falseDetails.map((f) => `  ${f.rule_id} ${f.entity}: ${f.summary}`),
      ...rows.flatMap((r) => r.false_entities.map((e) => `  ${r.rule} ${e} (no label, no control)`)),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    const resultsDir = join(here, 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `detection-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(summary, null, 2));
    process.stdout.write(`JSON: ${file}\n`);
    if (rows.some((r) => r.missed > 0 || r.controls_fired > 0)) process.exitCode = 1;
  } finally {
    await running.stop();
    await webhook.close();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const program = new Command('detection-report')
  .description('plant every labelled scenario over background flow and measure detection and latency')
  .option('--seed <n>', 'simulator seed', (v) => Number.parseInt(v, 10), 7)
  .option('--duration <time>', 'simulated run length (90s, 3m)', duration, 180_000)
  .option('--rate <n>', 'background events per simulated second', (v) => Number.parseInt(v, 10), 100)
  .option('--full-speed', 'produce as fast as Kafka acks instead of in real time', false)
  .option('--keep', 'keep the temp stack directory', false)
  .action((o) => main(o));
runBench('detection-report', async () => {
  await program.parseAsync();
});
