import { CompressionTypes, type Producer } from 'kafkajs';

/** A message already serialised, for the topic it goes to. */
export interface RawTopicMessage {
  topic: string;
  key?: string;
  value: string;
}

/**
 * Sends messages as they are, past every contract (test and benchmark traffic: a partner's
 * broken lines, a background load), grouped by topic in one request, acks=all like the producers.
 */
export async function sendRaw(
  producer: Producer,
  messages: readonly RawTopicMessage[],
  compression: CompressionTypes = CompressionTypes.None,
): Promise<void> {
  const byTopic = new Map<string, Array<{ key?: string; value: string }>>();
  for (const { topic, ...message } of messages) {
    const list = byTopic.get(topic) ?? [];
    list.push(message);
    byTopic.set(topic, list);
  }
  await producer.sendBatch({
    acks: -1,
    compression,
    topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
  });
}
