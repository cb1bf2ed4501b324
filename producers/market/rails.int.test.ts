import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { queryNumber } from '../../lib/clickhouse/client.js';
import { marketTopics } from '../../lib/contracts/market.js';
import { createKafka } from '../../lib/kafka/client.js';
import { ensureTopics, topicsFor } from '../../lib/kafka/topics.js';
import { waitFor } from '../../lib/time.js';
import { startKafkaBroker } from '../../stack/kafka/broker.js';
import { isolatedConfig, startPipeline, testLog } from '../../test/pipeline-fixture.js';
import { readTopic } from '../../test/read-topic.js';
import { metricValue } from './metrics.js';
import { startFakeVenue } from './testing/fake-venue.js';
import { startFeedUnderTest } from './testing/harness.js';
import { binance } from './venues/binance.js';
import { BinanceScript } from './wire-script.js';

/** Connection rails that need time or a misbehaving broker: planned handover and backpressure. */
describe('market connector rails', () => {
  const work = mkdtempSync(join(tmpdir(), 'tradewatch-rails-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('hands over to a new connection before the age limit without losing or repeating a trade', async () => {
    const pipeline = await startPipeline();
    const script = new BinanceScript('ETHUSDT', Date.now() - 60_000, 3, 3_400);
    const venue = await startFakeVenue();
    const feed = await startFeedUnderTest({
      kafka: pipeline.kafka,
      config: pipeline.config,
      log: testLog,
      venue: binance,
      symbols: ['ETHUSDT'],
      wsUrl: venue.wsBase,
      restUrl: venue.httpBase,
      // A 24-hour limit scaled down: hand over every 1.5 s.
      rails: { plannedReconnectMs: 1_500 },
    });
    try {
      await waitFor('the first connection', async () => (venue.openClients() === 1 ? true : undefined), {
        timeoutMs: 10_000,
      });
      // A steady tape, as a real venue sends it, across several handovers; frames reach every
      // open connection, as they would reach two real connections to the venue. The tape keeps
      // running while the test waits: a successor hands over only once it has data, so a silent
      // venue would (rightly) hold two connections open.
      let sent = 0;
      let taping = true;
      const tape = (async () => {
        while (taping) {
          venue.broadcast(script.tick(20).aggTrade());
          sent += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        await waitFor('two planned handovers', async () => (venue.connections >= 3 ? true : undefined), {
          timeoutMs: 30_000,
        });
        // Handovers go on every 1.5 s; between two of them exactly one connection is open.
        await waitFor(
          'a single open connection',
          async () => (venue.openClients() === 1 ? true : undefined),
          {
            timeoutMs: 20_000,
            intervalMs: 10,
          },
        );
      } finally {
        taping = false;
        await tape;
      }
      await pipeline.waitForCount('SELECT count(DISTINCT trade_id) FROM market_trades', sent);
      await feed.sink.flush();
      // Every trade once: the overlap's second copies were recognised and published once.
      expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM market_trades')).toBe(sent);
      expect(
        await metricValue(feed.metrics.reconnects, { venue: 'binance', reason: 'planned' }),
      ).toBeGreaterThanOrEqual(2);
      // A handover is not an outage: no disconnect or gap was reported.
      expect(await queryNumber(pipeline.clickhouse, 'SELECT count() FROM market_integrity')).toBe(0);
    } finally {
      await feed.stop();
      await venue.close();
      await pipeline.close();
    }
  });

  it('drops into a bounded buffer while Kafka stalls, counts the drops and reports them once it drains', async () => {
    // A broker of its own, so freezing it (SIGSTOP) stalls only this test.
    const broker = await startKafkaBroker({ dataDir: join(work, 'kafka'), log: testLog });
    const config = isolatedConfig({ KAFKA_BROKERS: broker.bootstrap, KAFKA_REQUEST_TIMEOUT_MS: '20000' });
    const kafka = createKafka(config, testLog);
    await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, Object.values(marketTopics)));
    const script = new BinanceScript('SOLUSDT', Date.now() - 60_000, 5, 180);
    const venue = await startFakeVenue();
    const capacity = 50;
    const feed = await startFeedUnderTest({
      kafka,
      config,
      log: testLog,
      venue: binance,
      symbols: ['SOLUSDT'],
      wsUrl: venue.wsBase,
      restUrl: venue.httpBase,
      capacity,
    });
    try {
      await waitFor('the connection', async () => (venue.openClients() === 1 ? true : undefined), {
        timeoutMs: 10_000,
      });
      for (let i = 0; i < 10; i++) venue.broadcast(script.tick(10).aggTrade());
      await waitFor(
        'the first trades to be acknowledged',
        async () => (feed.sink.size === 0 ? true : undefined),
        {
          timeoutMs: 20_000,
        },
      );

      process.kill(broker.pid, 'SIGSTOP');
      const burst = 400;
      for (let i = 0; i < burst; i++) venue.broadcast(script.tick(1).aggTrade());
      await waitFor(
        'the burst to be read',
        async () =>
          (await metricValue(feed.metrics.events, { venue: 'binance', topic: 'marketTrades' })) +
            (await metricValue(feed.metrics.dropped, { venue: 'binance', topic: 'marketTrades' })) >=
          10 + burst
            ? true
            : undefined,
        { timeoutMs: 10_000 },
      );
      // Memory stays bounded: never more than the capacity waits for Kafka.
      expect(feed.sink.size).toBeLessThanOrEqual(capacity);
      const dropped = await metricValue(feed.metrics.dropped, { venue: 'binance', topic: 'marketTrades' });
      expect(dropped).toBeGreaterThanOrEqual(burst - capacity);
      process.kill(broker.pid, 'SIGCONT');

      const integrityTopic = `${config.KAFKA_TOPIC_PREFIX}${marketTopics.marketIntegrity.name}`;
      const [report] = await readTopic(kafka, integrityTopic, 1, 60_000);
      const event = JSON.parse(report?.value ?? '{}') as { kind: string; got: string; symbol: string };
      expect(event).toMatchObject({
        kind: 'events_dropped',
        symbol: 'SOLUSDT',
        got: `${dropped} events dropped`,
      });
      // What was buffered is delivered: the trades topic holds everything that was not dropped.
      const tradesTopic = `${config.KAFKA_TOPIC_PREFIX}${marketTopics.marketTrades.name}`;
      const trades = await readTopic(kafka, tradesTopic, 10 + burst - dropped, 60_000);
      expect(new Set(trades.map((t) => JSON.parse(t.value).trade_id)).size).toBe(10 + burst - dropped);
    } finally {
      process.kill(broker.pid, 'SIGCONT');
      await feed.stop();
      await venue.close();
      await broker.stop();
    }
  });
});
