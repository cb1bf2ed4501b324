import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { topicName } from '../../lib/contracts/topics.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { waitFor } from '../../lib/time.js';
import { SimulationRunner } from '../../producers/simulator/runner.js';
import { OWN_CHAIN, PARTNER_FEED } from '../../producers/simulator/scenarios/consumer-faults.js';
import { Simulation } from '../../producers/simulator/simulation.js';
import { connectRawSink, installPartnerFeed, type RawSink } from '../../stack/partner-feed.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { catches, firesOn, isControl } from '../scenario-match.js';
import { installRules, refreshRuleNow } from './loader.js';

/**
 * consumer-exceptions on real consumer exceptions: the poison-message scenario's CSV lines
 * reach the partner feed's hand-made Kafka table (default error mode) through the real broker,
 * and the embedded engine's system.kafka_consumers collects an exception per retry; the same
 * lines on one of the platform's own chains (dead-lettered-line) are dead-lettered quietly.
 * Two seeds, each on its own database, started at a different point of the minute.
 */
describe.each([
  { seed: 3, offsetMs: 0 },
  { seed: 8, offsetMs: 37_000 },
])('consumer-exceptions, seed $seed', ({ seed, offsetMs }) => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  let raw: RawSink;

  beforeAll(async () => {
    pipeline = await startPipeline();
    await installPartnerFeed(pipeline.clickhouse, pipeline.config, testLog);
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    raw = await connectRawSink(pipeline.config, testLog);
    await installRules(pipeline.clickhouse, testLog, { refreshSeconds: 3600 });
    // A fresh database's migration took over 4 minutes with the machine at load 138 (2 cores).
  }, 600_000);

  afterAll(async () => {
    await raw?.close();
    await producer?.close();
    await pipeline?.close();
  });

  it('fires on the stalled hand-made table, not on the chain that dead-letters the same lines', async () => {
    const sim = new Simulation({ seed, startMs: Date.now() - offsetMs, ratePerSecond: 10 });
    const report = await new SimulationRunner(sim, producer, testLog).run({
      durationMs: 10_000,
      scenarios: ['poison-message', 'dead-lettered-line'],
      fullSpeed: false,
      labels: undefined,
      rawSink: raw.send,
    });
    expect(report.rawDropped).toBe(0);
    const planted = report.labels.filter((l) => !isControl(l.scenario));
    const controls = report.labels.filter((l) => isControl(l.scenario));
    expect(planted.map((l) => [l.scenario, l.entity])).toEqual([
      ['poison-message', `kafka:${PARTNER_FEED.table}`],
    ]);
    expect(controls.map((l) => [l.scenario, l.entity])).toEqual([
      ['dead-lettered-line', `kafka:${OWN_CHAIN.table}`],
    ]);

    // The control's three lines went through the chain into dead_letters, as designed.
    const ownTopic = topicName(pipeline.config.KAFKA_TOPIC_PREFIX, OWN_CHAIN.topic);
    await pipeline.waitForCount(`SELECT count() FROM dead_letters WHERE topic = '${ownTopic}'`, 3, 120_000);
    // The hand-made table retries its first CSV line on every poll: at least min_exceptions (5).
    const exceptionsOf = (table: string) =>
      queryNumber(
        pipeline.clickhouse,
        `SELECT sum(length(exceptions.text)) FROM system.kafka_consumers
         WHERE database = currentDatabase() AND table = {table:String}`,
        { table },
      );
    await waitFor(
      `5 consumer exceptions on ${PARTNER_FEED.table}`,
      async () => ((await exceptionsOf(PARTNER_FEED.table)) >= 5 ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    expect(await exceptionsOf(OWN_CHAIN.table)).toBe(0);
    // Stalled: nothing of the feed is stored.
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM partner_fills')).toBe(0);

    await refreshRuleNow(pipeline.clickhouse, 'consumer-exceptions');
    const found = await queryRows<{
      rule_id: string;
      entity: string;
      related: string[];
      fingerprint: string;
      trigger_at: string;
      detected_at: string;
      summary: string;
    }>(
      pipeline.clickhouse,
      "SELECT rule_id, entity, related, fingerprint, trigger_at, detected_at, summary FROM alerts FINAL WHERE rule_id = 'consumer-exceptions'",
    );
    for (const label of planted)
      expect(
        found.some((a) => catches(a, label)),
        JSON.stringify(found),
      ).toBe(true);
    expect(found.filter((a) => controls.some((c) => firesOn(a, c)))).toEqual([]);
    // Only the stalled table: no other consumer of this database failed.
    expect(found.map((a) => a.entity)).toEqual([`kafka:${PARTNER_FEED.table}`]);
    expect(found[0]?.summary).toMatch(/Cannot parse|CANNOT_PARSE/);
  }, 300_000);
});
