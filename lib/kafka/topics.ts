import type { Kafka } from 'kafkajs';
import { deadLetterTopicName, type TopicSpec, topicName } from '../contracts/topics.js';
import { ErrorCode, TradewatchError } from '../errors.js';

export interface TopicToCreate {
  name: string;
  partitions: number;
  retentionMs: number;
}

/** A topic and its dead-letter twin (same partitions: rejects of one key stay together). */
export function topicsFor(
  prefix: string,
  specs: ReadonlyArray<Pick<TopicSpec<unknown>, 'name' | 'partitions' | 'retentionMs'>>,
): TopicToCreate[] {
  return specs.flatMap((spec) => {
    const name = topicName(prefix, spec.name);
    return [
      { name, partitions: spec.partitions, retentionMs: spec.retentionMs },
      { name: deadLetterTopicName(name), partitions: spec.partitions, retentionMs: spec.retentionMs },
    ];
  });
}

/**
 * Creates the topics that do not exist yet, with their partition count and retention set
 * here in code rather than left to broker defaults. Existing topics are left as they are.
 */
export async function ensureTopics(kafka: Kafka, wanted: TopicToCreate[]): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        configEntries: [
          { name: 'retention.ms', value: String(topic.retentionMs) },
          // Producers compress; keep their batches as they are instead of recompressing.
          { name: 'compression.type', value: 'producer' },
        ],
      })),
    });
    return missing.map((topic) => topic.name);
  } catch (err) {
    throw new TradewatchError(ErrorCode.KAFKA_TOPIC_SETUP_FAILED, `could not create topics: ${String(err)}`, {
      cause: err,
      retriable: true,
    });
  } finally {
    await admin.disconnect();
  }
}
