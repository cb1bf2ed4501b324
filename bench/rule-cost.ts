/**
 * `npm run rule-cost -- [--dir other/rules ...]`: what each rule's evaluation costs on the data
 * the detection report runs on. Starts its own embedded stack, loads the derivatives tape's
 * 35 minutes of market history, plays the simulator's every scenario over 3 simulated minutes
 * of background (full speed, ending now, so every rule's window holds it), then runs each
 * rule's candidate query (what one refresh of its view evaluates) `--runs` times and prints
 * the median wall time, the ClickHouse process's CPU time for one evaluation (the least over
 * the runs: the host also polls its Kafka tables, and other work on a shared machine only adds)
 * and the share of one core a refresh every `refresh_s` takes (cpu ms / refresh_s / 10). `--dir` (repeatable) compares rule folders on
 * the same data in the same run (e.g. an older version of alerting/rules/).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseRouting } from '../alerting/config.js';
import { RULES_DIR, renderRules } from '../alerting/rules/loader.js';
import { candidatesOf, withThresholds } from '../alerting/rules/render.js';
import { startWebhookPeer } from '../alerting/testing/chat-peers.js';
import { queryNumber } from '../lib/clickhouse/client.js';
import { scenarioNames } from '../lib/contracts/simulation.js';
import { createLogger } from '../lib/log.js';
import { machineLine } from '../lib/machine.js';
import { SimulationRunner } from '../producers/simulator/runner.js';
import { Simulation } from '../producers/simulator/simulation.js';
import { startDerivativesReplay } from '../stack/derivatives-replay.js';
import { startDetectionStack } from '../stack/detection-stack.js';
import { runBench } from './cli.js';

const SECRET = 'rule-cost-webhook-secret';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
/** CPU time (ms) the ClickHouse host process has used: user + system, from /proc (Linux). */
const cpuMsOf = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

async function main(o: { dir: string[]; runs: number; seed: number; hold: boolean }) {
  const log = createLogger('rule-cost', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'tradewatch-rule-cost-'));
  const webhook = await startWebhookPeer(SECRET);
  const dirs = o.dir.length > 0 ? o.dir : [RULES_DIR];
  // Installed but never refreshed on their own: only the timed queries load the machine.
  const quiet = Object.fromEntries(renderRules({}).rendered.map((r) => [r.rule.id, { refresh_s: 86_400 }]));
  const routing = parseRouting({
    channels: { hook: { type: 'webhook', url: webhook.url, secret: SECRET } },
    routes: [{ channels: ['hook'] }],
    rules: quiet,
  });
  const running = await startDetectionStack({
    dir,
    database: 'rule_cost',
    routing,
    log,
    service: 'rule-cost',
    beforeRules: async (producer, clickhouse) => {
      const tape = await startDerivativesReplay({
        producer,
        clickhouse,
        log,
        dir,
        endInMs: 0,
        tape: { seed: o.seed, tailMs: 0 },
      });
      return () => tape.stop();
    },
  });
  try {
    const { clickhouse, producer } = running;
    const durationMs = 180_000;
    const sim = new Simulation({ seed: o.seed, startMs: Date.now() - durationMs, ratePerSecond: 100 });
    const run = await new SimulationRunner(sim, producer, log).run({
      durationMs,
      scenarios: scenarioNames,
      fullSpeed: true,
      labels: undefined,
      // The poison-message case's raw lines, so consumer-exceptions is timed with real exceptions.
      rawSink: running.sendRaw,
    });
    const target = run.byTopic.engineOrders ?? 0;
    const deadline = Date.now() + 120_000;
    while (
      Date.now() < deadline &&
      (await queryNumber(clickhouse, 'SELECT count(DISTINCT event_id) FROM engine_orders')) < target
    )
      await new Promise((r) => setTimeout(r, 1_000));
    process.stdout.write(`${machineLine()}\n${run.events} simulated events; tape history loaded\n\n`);
    process.stdout.write(
      `${'rule'.padEnd(24)}${dirs.map((_, i) => `${`ms[${i}]`.padStart(9)}${`cpu[${i}]`.padStart(9)}${`core%[${i}]`.padStart(9)}`).join('')}\n`,
    );
    const pid = running.stack.clickhouse.child.pid;
    const ids = renderRules({}).rendered.map((r) => r.rule.id);
    for (const id of ids) {
      const cells: string[] = [];
      for (const d of dirs) {
        const rule = renderRules({ dir: d }).rendered.find((r) => r.rule.id === id);
        if (!rule) {
          cells.push(`${'-'.padStart(9)}${'-'.padStart(9)}${'-'.padStart(9)}`);
          continue;
        }
        const sql = `SELECT count() FROM (${candidatesOf(rule.rule, withThresholds(rule.rule, rule.thresholds))})`;
        const times: number[] = [];
        const cpu: number[] = [];
        for (let i = 0; i < o.runs; i += 1) {
          const c0 = cpuMsOf(pid);
          const t0 = performance.now();
          const result = await clickhouse.query({ query: sql, format: 'JSONEachRow' });
          await result.json();
          times.push(performance.now() - t0);
          cpu.push(cpuMsOf(pid) - c0);
        }
        // CPU: the least of the runs, the one least disturbed by other work on a shared machine.
        const cpuMs = Math.min(...cpu);
        cells.push(
          `${median(times).toFixed(0).padStart(9)}${cpuMs.toFixed(0).padStart(9)}${(cpuMs / rule.rule.refreshS / 10).toFixed(1).padStart(9)}`,
        );
      }
      process.stdout.write(`${id.padEnd(24)}${cells.join('')}\n`);
    }
    if (o.hold) {
      const { CLICKHOUSE_URL, CLICKHOUSE_PASSWORD } = running.stack.env;
      process.stdout.write(
        `holding the stack until Ctrl-C: ${CLICKHOUSE_URL} database rule_cost password ${CLICKHOUSE_PASSWORD}\n`,
      );
      await new Promise((r) => process.once('SIGINT', r));
    }
  } finally {
    await running.stop();
    await webhook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const program = new Command('rule-cost')
  .description("time each rule's evaluation on the detection report's data")
  .option(
    '--dir <path>',
    'a rules folder to time (repeatable; default alerting/rules)',
    (v, acc: string[]) => [...acc, v],
    [],
  )
  .option('--runs <n>', 'timed runs per rule', (v) => Number.parseInt(v, 10), 5)
  .option('--seed <n>', 'simulator and tape seed', (v) => Number.parseInt(v, 10), 3)
  .option('--hold', 'keep the stack up after timing, for queries by hand, until Ctrl-C', false)
  .action((o) => main(o));
runBench('rule-cost', async () => {
  await program.parseAsync();
});
