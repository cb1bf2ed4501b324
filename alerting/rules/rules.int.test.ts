import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { type ScenarioName, scenarioNames } from '../../lib/contracts/simulation.js';
import { topicName, topics } from '../../lib/contracts/topics.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { SimulationRunner } from '../../producers/simulator/runner.js';
import { Simulation } from '../../producers/simulator/simulation.js';
import { aLogin, aWithdrawal } from '../../test/engine-user-builders.js';
import { type Pipeline, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { catches, firesOn, isControl } from '../scenario-match.js';
import { anIntegrityEvent, aQuote, aTrade } from '../testing/market-builders.js';
import { installRules, refreshRuleNow, renderRules } from './loader.js';

const ALL_RULES = renderRules({}).rendered.map((r) => r.rule.id);
const PIPELINE_SCENARIOS: ScenarioName[] = [
  'broken-producer',
  'stray-bad-event',
  'late-batch',
  'late-within-tolerance',
];
const CONSUMER_SCENARIOS: ScenarioName[] = ['poison-message', 'dead-lettered-line'];

interface AlertRow {
  rule_id: string;
  entity: string;
  related: string[];
  fingerprint: string;
  severity: string;
  evidence: string;
  trigger_at: string;
  detected_at: string;
}

describe('risk rules in ClickHouse', () => {
  let pipeline: Pipeline;
  let producer: EventProducer;
  const alerts = () =>
    queryRows<AlertRow>(
      pipeline.clickhouse,
      'SELECT rule_id, entity, related, fingerprint, severity, evidence, trigger_at, detected_at FROM alerts FINAL ORDER BY rule_id, entity',
    );
  const refreshAll = async () => {
    for (const id of ALL_RULES) await refreshRuleNow(pipeline.clickhouse, id);
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    // Refreshed by hand (refreshRuleNow) so the test decides when rules look, and so 13
    // views do not load the two shared cores every second.
    await installRules(pipeline.clickhouse, testLog, { refreshSeconds: 3600 });
  });

  afterAll(async () => {
    await producer?.close();
    await pipeline?.close();
  });

  it('installs idempotently: a second run changes nothing', async () => {
    const again = await installRules(pipeline.clickhouse, testLog, { refreshSeconds: 3600 });
    expect(again.installed).toEqual([]);
    expect(again.unchanged.sort()).toEqual([...ALL_RULES].sort());
  });

  it('fires on every labelled simulator scenario and stays silent on the background flow', async () => {
    const durationMs = 180_000;
    const sim = new Simulation({ seed: 11, startMs: Date.now() - durationMs, ratePerSecond: 60 });
    const report = await new SimulationRunner(sim, producer, testLog).run({
      durationMs,
      // The pipeline faults are about time in the pipeline, which full speed compresses: below.
      // Consumer exceptions need the partner feed's table: consumer-exceptions.int.test.ts.
      scenarios: scenarioNames.filter(
        (n) => !PIPELINE_SCENARIOS.includes(n) && !CONSUMER_SCENARIOS.includes(n),
      ),
      fullSpeed: true,
      labels: undefined,
    });
    const facts = {
      engineOrders: 'engine_orders',
      engineExecutions: 'engine_executions',
      userLogins: 'user_logins',
      userFunds: 'user_funds',
      socialMentions: 'social_mentions',
      listings: 'listings',
    };
    for (const [topic, fact] of Object.entries(facts))
      await pipeline.waitForCount(
        `SELECT count(DISTINCT event_id) FROM ${fact}`,
        report.byTopic[topic] ?? 0,
        90_000,
      );
    await refreshAll();
    const found = await alerts();
    const planted = report.labels.filter((l) => !isControl(l.scenario));
    for (const label of planted) {
      const hit = found.find((a) => catches(a, label));
      expect(hit, `${label.scenario} on ${label.entity}: alerts were ${JSON.stringify(found)}`).toBeDefined();
    }
    // Negative controls stay silent, and every alert is one of the planted scenarios: none on
    // background accounts or tokens.
    const controls = report.labels.filter((l) => isControl(l.scenario));
    expect(controls.length).toBeGreaterThan(0);
    expect(found.filter((a) => controls.some((c) => firesOn(a, c)))).toEqual([]);
    expect(found.filter((a) => !planted.some((l) => catches(a, l)))).toEqual([]);
    expect(found).toHaveLength(planted.length);

    // The split takeover: each withdrawal under the threshold, of a token only our own book
    // prices; the sum, the new device and address make it critical, each factor in the evidence.
    const split = planted.find((l) => l.scenario === 'account-takeover-split');
    const splitAlert = found.find((a) => split && catches(a, split)) as AlertRow;
    const evidence = JSON.parse(splitAlert.evidence) as {
      factors: Record<string, number>;
      withdrawals: { usd: string; price_source: string; first_use: string }[];
    };
    expect(splitAlert.severity).toBe('critical');
    expect(Object.keys(evidence.factors)).toEqual(
      expect.arrayContaining(['new_device', 'new_network', 'new_withdrawal_address']),
    );
    expect(evidence.factors).not.toHaveProperty('new_country');
    expect(evidence.withdrawals.length).toBeGreaterThanOrEqual(3);
    for (const w of evidence.withdrawals) {
      expect(w.price_source).toBe('exchange:TWXUSDT');
      expect(Number(w.usd)).toBeGreaterThan(0);
      expect(Number(w.usd)).toBeLessThan(50_000);
    }

    // The ring is linked only by the wallet its accounts withdrew to; the insider both deposited
    // and bought before the listing news.
    const alertOf = (scenario: string) =>
      found.find((a) => planted.some((l) => l.scenario === scenario && catches(a, l))) as AlertRow;
    expect(alertOf('wash-ring').evidence).toContain('wallet:');
    const insider = (
      JSON.parse(alertOf('insider-before-listing').evidence) as { listings: Record<string, string>[] }
    ).listings[0];
    expect(Number(insider?.deposited_usd)).toBeGreaterThan(0);
    expect(Number(insider?.bought_usd)).toBeGreaterThan(0);
    // Its trigger is the sell whose running totals first clear both profit bars (the pattern
    // completing), recomputed here from the account's sells after the news.
    const insiderAlert = alertOf('insider-before-listing');
    const sells = await queryRows<{ qty: number; usd: number; produced_at: string }>(
      pipeline.clickhouse,
      `SELECT toFloat64(quantity) AS qty, toFloat64(price * quantity) AS usd, toString(produced_at) AS produced_at
       FROM (SELECT * FROM engine_executions LIMIT 1 BY event_id)
       WHERE symbol IN ({symbols:Array(String)}) AND occurred_at >= {announced:DateTime64(3, 'UTC')}
         AND if(aggressor_side = 'buy', maker_account_id, taker_account_id) = {account:String}
       ORDER BY occurred_at`,
      {
        symbols: ['USDT', 'USDC', 'FDUSD'].map((q) => `${insider?.asset}${q}`),
        announced: insider?.announced_at,
        account: insiderAlert.entity,
      },
    );
    const cost = Number(insider?.cost);
    const positionQty = Number(insider?.position_usd) / cost;
    let soldQty = 0;
    let soldUsd = 0;
    const crossing = sells.find((s) => {
      soldQty += s.qty;
      soldUsd += s.usd;
      const price = soldUsd / soldQty;
      return Math.min(soldQty, positionQty) * (price - cost) >= 500 && (price / cost - 1) * 10_000 >= 100;
    });
    expect(sells.length).toBeGreaterThan(1);
    expect(insiderAlert.trigger_at).toBe(crossing?.produced_at);
    // Layering, front-running and the pump's dump: the evidence holds what made each one.
    const evidenceOf = (scenario: string) => {
      const label = planted.find((l) => l.scenario === scenario) as (typeof planted)[number];
      const alert = found.find((a) => catches(a, label)) as AlertRow;
      return { alert, details: JSON.parse(label.details), evidence: JSON.parse(alert.evidence) };
    };
    const layered = evidenceOf('layering').evidence as {
      blocks: { levels: string; other_side_fills: string }[];
    };
    expect(layered.blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of layered.blocks) {
      expect(Number(b.levels)).toBeGreaterThanOrEqual(3);
      expect(Number(b.other_side_fills)).toBeGreaterThanOrEqual(1);
    }
    const frontRun = evidenceOf('front-running');
    expect(frontRun.alert.related).toEqual([frontRun.details.large_order_account]);
    expect(frontRun.evidence.cases.length).toBeGreaterThanOrEqual(2);
    const pump = evidenceOf('pump-and-dump');
    expect(pump.details.organisers).toEqual(
      expect.arrayContaining(pump.evidence.organisers.map((o: { account: string }) => o.account)),
    );

    // Re-evaluation after the fact (a restart re-runs every view) writes nothing new.
    const rows = await queryNumber(pipeline.clickhouse, 'SELECT count() FROM alerts');
    await refreshAll();
    await refreshAll();
    expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM alerts')).toBe(rows);
    // Nine scenarios over three simulated minutes, into a broker and engine on two shared cores.
  }, 360_000);

  it('pipeline faults the simulator plants in real time: dead-letter-surge and ingestion-lag fire, their controls do not', async () => {
    const sim = new Simulation({ seed: 5, startMs: Date.now(), ratePerSecond: 20 });
    const report = await new SimulationRunner(sim, producer, testLog).run({
      durationMs: 20_000,
      scenarios: PIPELINE_SCENARIOS,
      fullSpeed: false,
      labels: undefined,
    });
    await pipeline.waitForCount(
      'SELECT count(DISTINCT event_id) FROM user_funds',
      report.byTopic.userFunds ?? 0,
      90_000,
    );
    await pipeline.waitForCount('SELECT count() FROM dead_letters', 31, 90_000);
    for (const id of ['dead-letter-surge', 'ingestion-lag']) await refreshRuleNow(pipeline.clickhouse, id);
    const found = (await alerts()).filter((a) => ['dead-letter-surge', 'ingestion-lag'].includes(a.rule_id));
    const planted = report.labels.filter((l) => !isControl(l.scenario));
    const controls = report.labels.filter((l) => isControl(l.scenario));
    expect(planted.map((l) => l.scenario).sort()).toEqual(['broken-producer', 'late-batch']);
    expect(controls).toHaveLength(2);
    for (const label of planted)
      expect(
        found.some((a) => catches(a, label)),
        `${label.scenario}: ${JSON.stringify(found)}`,
      ).toBe(true);
    expect(found.filter((a) => controls.some((c) => firesOn(a, c)))).toEqual([]);
  }, 240_000);

  it('a redelivered event creates no second alert', async () => {
    const now = Date.now();
    const login = aLogin({ account_id: 'acc-redelivery', ip: '198.51.100.77', occurred_at: now - 60_000 });
    const withdrawal = aWithdrawal({
      account_id: 'acc-redelivery',
      asset: 'BTC',
      amount: 3,
      transfer_id: 'w-redeliver',
      occurred_at: now - 30_000,
    });
    await producer.produce(topics.userLogins, [login]);
    await producer.produce(topics.userFunds, [withdrawal]);
    // Two topics, two consumers: wait for both rows, not just the later-sent one.
    await pipeline.waitForCount("SELECT count() FROM user_logins WHERE account_id = 'acc-redelivery'", 1);
    await pipeline.waitForCount("SELECT count() FROM user_funds WHERE account_id = 'acc-redelivery'", 1);
    await refreshRuleNow(pipeline.clickhouse, 'account-takeover');
    const first = (await alerts()).filter((a) => a.entity === 'acc-redelivery');
    expect(first).toHaveLength(1);
    const versions = await queryNumber(
      pipeline.clickhouse,
      "SELECT count() FROM alerts WHERE entity = 'acc-redelivery'",
    );
    // At-least-once: the same events, same ids, arrive again. A merge may collapse the copies
    // at any time, so count deliveries in the pipeline-health rollup, which keeps them.
    const deliveredSql = (topic: string) =>
      `SELECT sum(events) FROM pipeline_events_1m WHERE topic = '${pipeline.config.KAFKA_TOPIC_PREFIX}${topic}'`;
    const loginsBefore = await queryNumber(pipeline.clickhouse, deliveredSql('user.logins'));
    const fundsBefore = await queryNumber(pipeline.clickhouse, deliveredSql('user.funds'));
    await producer.produce(topics.userLogins, [login]);
    await producer.produce(topics.userFunds, [withdrawal]);
    await pipeline.waitForCount(deliveredSql('user.logins'), loginsBefore + 1);
    await pipeline.waitForCount(deliveredSql('user.funds'), fundsBefore + 1);
    await refreshRuleNow(pipeline.clickhouse, 'account-takeover');
    const after = (await alerts()).filter((a) => a.entity === 'acc-redelivery');
    expect(after.map((a) => a.fingerprint)).toEqual(first.map((a) => a.fingerprint));
    expect(
      await queryNumber(pipeline.clickhouse, "SELECT count() FROM alerts WHERE entity = 'acc-redelivery'"),
    ).toBe(versions);
  });

  it('market-health and pipeline rules fire on their conditions', async () => {
    const now = Date.now();
    const min = 60_000;
    // mkt-a: a quiet book for 20 minutes, then the spread blows out and depth vanishes; a 10% print.
    const quotes = Array.from({ length: 20 }, (_, i) => aQuote(now - 20 * min + i * min));
    quotes.push(
      ...[10, 8, 6, 4, 2].map((s) =>
        aQuote(now - s * 1000, { bid_price: 99, ask_price: 101, bid_quantity: 0.5, ask_quantity: 0.5 }),
      ),
    );
    // mkt-b: updates that stopped 45 s ago.
    quotes.push(
      ...Array.from({ length: 10 }, (_, i) => aQuote(now - 10 * min + i * 55_000, { venue: 'mkt-b' })),
    );
    await producer.produce(topics.marketBookL1, quotes);
    const trades = Array.from({ length: 10 }, (_, i) => aTrade(now - 5 * min + i * 10_000));
    trades.push(aTrade(now - 5_000, { price: 110 }));
    // mkt-d: trades that spent two minutes between the producer and ClickHouse.
    trades.push(
      ...Array.from({ length: 12 }, () =>
        aTrade(now - 1_000, { venue: 'mkt-d', produced_at: now - 120_000 }),
      ),
    );
    await producer.produce(topics.marketTrades, trades);
    await producer.produce(topics.marketIntegrity, [anIntegrityEvent(now - 3_000)]);
    // 25 broken messages on one topic: dead letters.
    const raw = pipeline.kafka.producer();
    await raw.connect();
    await raw.send({
      topic: topicName(pipeline.config.KAFKA_TOPIC_PREFIX, topics.marketTrades.name),
      messages: Array.from({ length: 25 }, (_, i) => ({
        key: 'broken',
        value: `{"not": "a trade", "n": ${i}`,
      })),
    });
    await raw.disconnect();
    await pipeline.waitForCount('SELECT count() FROM dead_letters', 25);
    await pipeline.waitForCount('SELECT count() FROM market_trades', trades.length);
    await pipeline.waitForCount('SELECT count() FROM market_book_l1', quotes.length);
    await pipeline.waitForCount('SELECT count() FROM market_integrity', 1);
    for (const id of [
      'spread-blowout',
      'depth-collapse',
      'price-spike',
      'stale-feed',
      'book-integrity',
      'dead-letter-surge',
      'ingestion-lag',
    ])
      await refreshRuleNow(pipeline.clickhouse, id);
    const got = (await alerts()).map((a) => `${a.rule_id} ${a.entity}`);
    expect(got).toEqual(
      expect.arrayContaining([
        'spread-blowout mkt-a:XYZUSDT',
        'depth-collapse mkt-a:XYZUSDT',
        'price-spike mkt-a:XYZUSDT',
        'stale-feed mkt-b:XYZUSDT',
        'book-integrity mkt-c:XYZUSDT',
        `dead-letter-surge ${topicName(pipeline.config.KAFKA_TOPIC_PREFIX, topics.marketTrades.name)}`,
        'ingestion-lag fact:market_trades',
      ]),
    );
    // Healthy markets stay quiet: mkt-d traded normally, mkt-b's spread was fine.
    expect(got.filter((g) => /mkt-d|spread-blowout mkt-b|price-spike mkt-b/.test(g))).toEqual([]);
  });
});
