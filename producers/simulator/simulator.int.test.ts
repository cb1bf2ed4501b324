import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { type SimLabel, scenarioNames } from '../../lib/contracts/simulation.js';
import { testLog, usePipeline } from '../../test/pipeline-fixture.js';
import { LabelsFile } from './labels.js';
import { SimulationRunner } from './runner.js';
import { Simulation } from './simulation.js';

/** The fact each topic lands in (the storage entries, lib/contracts/storage.ts). */
const FACTS: Record<string, string> = {
  engineOrders: 'engine_orders',
  engineExecutions: 'engine_executions',
  userLogins: 'user_logins',
  userFunds: 'user_funds',
  socialMentions: 'social_mentions',
  listings: 'listings',
};

describe('simulator through the real pipeline', () => {
  const ctx = usePipeline();

  it('delivers every labelled scenario’s events to their ClickHouse facts, and the labels to sim_labels', async () => {
    const durationMs = 120_000;
    const sim = new Simulation({ seed: 2024, startMs: Date.now() - durationMs, ratePerSecond: 50 });
    const labelsPath = join(mkdtempSync(join(tmpdir(), 'sim-labels-')), 'labels.jsonl');
    const runner = new SimulationRunner(sim, ctx.producer, testLog);
    const report = await runner.run({
      durationMs,
      scenarios: scenarioNames,
      fullSpeed: true,
      labels: new LabelsFile(labelsPath),
    });
    // Only the pipeline-fault scenarios' events are refused, as many as their labels say.
    const refusedOf = (l: SimLabel) => (JSON.parse(l.details) as { refused?: number }).refused ?? 0;
    const refusedByScenario = new Map(report.labels.map((l) => [l.scenario as string, refusedOf(l)]));
    expect(report.rejected).toBe([...refusedByScenario.values()].reduce((a, b) => a + b, 0));
    expect(report.rejected).toBeGreaterThan(0);
    expect(report.labels.map((l) => l.scenario).sort()).toEqual([...scenarioNames].sort());

    // The labels file holds the same labels, one JSON object per line.
    const fromFile = readFileSync(labelsPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SimLabel);
    expect(fromFile.map((l) => l.event_id)).toEqual(report.labels.map((l) => l.event_id));

    // Every fact holds every event produced for it (count DISTINCT: at-least-once may redeliver).
    for (const [topic, fact] of Object.entries(FACTS)) {
      await ctx.pipeline.waitForCount(
        `SELECT count(DISTINCT event_id) FROM ${fact}`,
        report.byTopic[topic] ?? 0,
        90_000,
      );
    }
    await ctx.pipeline.waitForCount('SELECT count(DISTINCT event_id) FROM sim_labels', scenarioNames.length);

    // Each label's events are all found across the facts, joined through sim_labels.event_ids.
    const union = Object.values(FACTS)
      .map((fact) => `SELECT event_id FROM ${fact}`)
      .join(' UNION ALL ');
    const perLabel = await queryRows<{ scenario: string; wanted: string; found: string }>(
      ctx.pipeline.clickhouse,
      `SELECT l.scenario AS scenario, length(l.event_ids) AS wanted,
              countIf(f.event_id != '') AS found
       FROM (SELECT scenario, event_ids, arrayJoin(event_ids) AS id FROM sim_labels FINAL) AS l
       LEFT JOIN (SELECT DISTINCT event_id FROM (${union})) AS f ON f.event_id = l.id
       GROUP BY l.scenario, l.event_ids`,
    );
    expect(perLabel).toHaveLength(scenarioNames.length);
    // A refused event never reaches a fact (it is in dead_letters instead), nor a raw message
    // (consumer-exceptions' CSV lines: this run has no raw sink, so they are not even sent).
    const rawOf = new Map(
      report.labels.map((l) => [l.scenario as string, (JSON.parse(l.details) as { raw?: number }).raw ?? 0]),
    );
    expect(report.rawDropped).toBe([...rawOf.values()].reduce((a, b) => a + b, 0));
    for (const row of perLabel)
      expect(Number(row.found), row.scenario).toBe(
        Number(row.wanted) - (refusedByScenario.get(row.scenario) ?? 0) - (rawOf.get(row.scenario) ?? 0),
      );

    // A taste of what detection will see: the takeover login comes from an IP the account never used.
    const ato = report.labels.find((l) => l.scenario === 'account-takeover') as SimLabel;
    const newIpLogins = await queryNumber(
      ctx.pipeline.clickhouse,
      `SELECT count() FROM user_logins AS l
       WHERE account_id = {acc:String} AND event_id IN {ids:Array(String)} AND outcome = 'success'
         AND ip NOT IN (SELECT ip FROM user_logins WHERE account_id = {acc:String} AND event_id NOT IN {ids:Array(String)})`,
      { acc: ato.entity, ids: ato.event_ids },
    );
    expect(newIpLogins).toBe(1);
    // The refused events, and nothing else, reach dead_letters (from the producers' <topic>.dlq),
    // each once however often it is redelivered.
    await ctx.pipeline.waitForCount(
      'SELECT count(DISTINCT (topic, kafka_partition, kafka_offset)) FROM dead_letters',
      report.rejected,
      90_000,
    );
  });
});
