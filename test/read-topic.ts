import type { Kafka } from 'kafkajs';

export interface ReadMessage {
  value: string;
  key: string;
  headers: Record<string, string>;
  /** The `dlq-reason` header, when the message is a dead letter. */
  reason: string;
}

/**
 * Reads `count` messages from the start of `topic` with a throwaway consumer group, or
 * fails after `timeoutMs` saying how many arrived.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.reader.${Math.random().toString(16).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: ReadMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of ${count} messages arrived on ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          seen.push({
            value: String(message.value),
            key: String(message.key ?? ''),
            headers,
            reason: headers['dlq-reason'] ?? '',
          });
          if (seen.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
