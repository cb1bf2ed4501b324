import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/run-cli.js';
import { queryNumber } from '../../lib/clickhouse/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { SimulationRunner } from '../../producers/simulator/runner.js';
import { Simulation } from '../../producers/simulator/simulation.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { chTimeMs } from '../store.js';
import { type BacktestResult, backtestRule } from './backtest.js';

/**
 * The backtest over the real pipeline: the simulator plants wash trading into Kafka, the
 * facts land in ClickHouse, and `tradewatch rules backtest` (its own process) replays the
 * rule over them — no rule view installed, nothing written to `alerts`.
 */
describe('rules backtest', () => {
  let pipeline: Pipeline;
  let runStart: number;
  let runEnd: number;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    try {
      const durationMs = 90_000;
      runStart = Date.now() - durationMs;
      const sim = new Simulation({ seed: 5, startMs: runStart, ratePerSecond: 20 });
      const report = await new SimulationRunner(sim, producer, testLog).run({
        durationMs,
        scenarios: ['wash-trading'],
        fullSpeed: true,
        labels: undefined,
      });
      expect(report.labels.length).toBeGreaterThan(0);
      runEnd = runStart + report.simulatedMs;
      for (const [topic, fact] of Object.entries({
        engineOrders: 'engine_orders',
        engineExecutions: 'engine_executions',
        userLogins: 'user_logins',
        simLabels: 'sim_labels',
      }))
        await pipeline.waitForCount(
          `SELECT count(DISTINCT event_id) FROM ${fact}`,
          report.byTopic[topic] ?? 0,
          120_000,
        );
    } finally {
      await producer.close();
    }
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('lists the planted scenario at the rule’s thresholds, a different count at a changed one, and only what each moment could see', async () => {
    const c = pipeline.config;
    const iso = (ms: number) => new Date(ms).toISOString();
    const run = await runCli(
      [
        'rules',
        'backtest',
        // The spelling; `rules backtest wash-trading` is the same.
        '--rule',
        'wash-trading',
        '--from',
        iso(runStart),
        '--to',
        iso(runEnd + 10_000),
        '--step',
        '10s',
        '--set',
        'min_trades=1000',
        '--json',
      ],
      { CLICKHOUSE_URL: c.CLICKHOUSE_URL, CLICKHOUSE_DATABASE: c.CLICKHOUSE_DATABASE },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [atRule, changed] = JSON.parse(run.stdout) as [BacktestResult, BacktestResult];

    expect(atRule.thresholds.min_trades).toBe(3);
    expect(atRule.scenarios.length).toBeGreaterThan(0);
    expect(atRule.scenarios.filter((s) => !s.caught)).toEqual([]);
    expect(atRule.tables.map((t) => `${t.name.split('.')[1]}.${t.timeColumn}`).sort()).toEqual([
      'engine_executions.occurred_at',
      'engine_orders.occurred_at',
      'user_logins.occurred_at',
    ]);
    // Episodes collapsed: one alert per planted pair, seen by several evaluations.
    expect(atRule.alerts).toHaveLength(atRule.scenarios.length);
    for (const a of atRule.alerts) {
      // Each evaluation saw only facts up to its moment: the alert is detected no earlier
      // than the trade that brought the count to min_trades.
      const trades = (JSON.parse(a.evidence) as { trades: { at: string }[] }).trades
        .map((t) => chTimeMs(t.at))
        .sort((x, y) => x - y);
      expect(chTimeMs(a.detected_at)).toBeGreaterThanOrEqual(trades[2] as number);
      expect(a.evaluations).toBeGreaterThan(1);
    }

    expect(changed.thresholds.min_trades).toBe(1000);
    expect(changed.alerts.length).not.toBe(atRule.alerts.length);
    expect(changed.scenarios.every((s) => !s.caught)).toBe(true);
    // A backtest writes nothing.
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM alerts')).toBe(0);
    // Two threshold sets × one evaluation every 10 s over ~100 s, each a parse and a query
    // through the embedded host: 98 s in one CI run, over 120 s in the next.
  }, 300_000);

  it('refuses a rule that reads the server’s present state, and names it', async () => {
    await expect(
      backtestRule(pipeline.clickhouse, { ruleId: 'consumer-exceptions', fromMs: runStart, toMs: runEnd }),
    ).rejects.toThrow(/consumer-exceptions reads system\.kafka_consumers/);
  });
});
