import type { IHeaders } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTradeGenerator } from '../../producers/sample/trade-generator.js';
import { type OtlpReceiver, startOtlpReceiver } from '../../test/otlp-receiver.js';
import { isolatedConfig, testLog } from '../../test/pipeline-fixture.js';
import { topics } from '../contracts/topics.js';
import { createKafka } from '../kafka/client.js';
import { EventProducer } from '../kafka/producer.js';
import { ensureTopics, topicsFor } from '../kafka/topics.js';
import { createLogger } from '../log.js';
import { waitFor } from '../time.js';
import { withConsumeSpan } from './kafka-context.js';
import { startTelemetry, type Telemetry } from './telemetry.js';

/**
 * A trace that crosses Kafka: EventProducer's send span → `traceparent` header on the real
 * broker → a KafkaJS consumer that continues the trace → both spans and the consumer's log
 * line exported over OTLP/HTTP to a receiver on loopback, linked parent to child.
 */
describe('trace context across Kafka', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry('trace-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  });

  afterAll(async () => {
    await telemetry?.shutdown();
    await receiver?.close();
  });

  it('makes the consumer span a child of the producer span, and exports both with the log', async () => {
    expect(telemetry.enabled).toBe(true);
    const config = isolatedConfig();
    const kafka = createKafka(config, testLog);
    await ensureTopics(kafka, topicsFor(config.KAFKA_TOPIC_PREFIX, [topics.marketTrades]));
    const topicName = `${config.KAFKA_TOPIC_PREFIX}${topics.marketTrades.name}`;

    const producer = await EventProducer.connect(kafka, config, testLog);
    const trade = createTradeGenerator({ seed: 5 })();
    expect((await producer.produce(topics.marketTrades, [trade])).accepted).toBe(1);
    await producer.close();

    // The consumer logs through the platform logger, created now that telemetry exports logs.
    const consumerLog = createLogger('trace-consumer', { destination: 2, level: 'info' });
    const consumer = kafka.consumer({ groupId: `${topicName}.trace-test` });
    await consumer.connect();
    await consumer.subscribe({ topic: topicName, fromBeginning: true });
    const received = new Promise<IHeaders>((resolve) => {
      void consumer.run({
        eachMessage: ({ topic: from, partition, message }) =>
          withConsumeSpan(from, { headers: message.headers, partition, offset: message.offset }, async () => {
            consumerLog.info({ event_id: trade.event_id }, 'trade consumed');
            resolve(message.headers ?? {});
          }),
      });
    });
    const headers = await received;
    await consumer.disconnect();
    await telemetry.flush();

    const [send, processed] = await waitFor(
      'the producer and consumer spans at the receiver',
      async () => {
        const send = receiver.spans.find((s) => s.name === `send ${topicName}`);
        const processed = receiver.spans.find((s) => s.name === `process ${topicName}`);
        return send && processed ? ([send, processed] as const) : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(receiver.refused).toEqual([]);
    expect(send).toMatchObject({ service: 'trace-test', kind: 4, parentSpanId: '' });
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': topicName,
      'messaging.batch.message_count': 1,
    });
    // What travelled in the Kafka header is exactly the producer span's context…
    expect(String(headers.traceparent)).toBe(`00-${send.traceId}-${send.spanId}-01`);
    // …and the consumer continued that trace as the producer span's child.
    expect(processed).toMatchObject({ kind: 5, traceId: send.traceId, parentSpanId: send.spanId });

    const line = await waitFor(
      'the consumer log line at the receiver',
      async () => receiver.logs.find((l) => l.body === 'trade consumed'),
      { timeoutMs: 10_000 },
    );
    expect(line).toMatchObject({ severityText: 'INFO', traceId: send.traceId, spanId: processed.spanId });
  });
});
