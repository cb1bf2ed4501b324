import type { Kafka } from 'kafkajs';
import { type ClickHouseClient, queryNumber } from '../lib/clickhouse/client.js';
import { waitFor } from '../lib/time.js';

/**
 * Waits until the Kafka engine table of each topic is consuming. A new consumer group starts
 * at the end of its topics (librdkafka's auto.offset.reset), and the engine joins the group
 * only when its background task first runs, so events produced before that are never read.
 * A broken message is sent until the table dead-letters one: from then on its position is
 * fixed and everything produced later is read. Returns the dead letters each topic has now,
 * so a test can count its own on top.
 */
export async function waitForConsumers(
  kafka: Kafka,
  clickhouse: ClickHouseClient,
  topics: string[],
  timeoutMs = 150_000,
): Promise<Map<string, number>> {
  const producer = kafka.producer();
  await producer.connect();
  const counts = new Map<string, number>();
  try {
    for (const topic of topics) {
      const n = await waitFor(
        `the Kafka engine table of ${topic} to consume`,
        async () => {
          await producer.send({
            topic,
            acks: -1,
            messages: [{ key: 'readiness', value: 'readiness probe' }],
          });
          const seen = await queryNumber(
            clickhouse,
            'SELECT count() FROM dead_letters WHERE topic = {topic:String}',
            {
              topic,
            },
          );
          return seen > 0 ? seen : undefined;
        },
        { timeoutMs, intervalMs: 1_000 },
      );
      counts.set(topic, n);
    }
  } finally {
    await producer.disconnect();
  }
  return counts;
}
