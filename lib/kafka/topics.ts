import type { Kafka } from 'kafkajs';
import { deadLetterTopicName, type TopicSpec, topicName } from '../contracts/topics.js';
import { ErrorCode, messageOf, TradewatchError } from '../errors.js';
import { waitFor } from '../time.js';

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
 * here in code rather than left to broker defaults, and returns once every partition of
 * every wanted topic has a leader. Existing topics are left as they are.
 *
 * A KRaft broker answers "does not host this topic-partition" for a moment after creating
 * a topic (metadata propagates asynchronously), and several callers may create the same
 * topics at once; both are retried until `timeoutMs`, and "already exists" is success.
 */
export async function ensureTopics(
  kafka: Kafka,
  wanted: TopicToCreate[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const admin = kafka.admin();
  const created: string[] = [];
  try {
    await admin.connect();
    await waitFor(
      `topics ${wanted.map((t) => t.name).join(', ')} to exist with leaders`,
      async () => {
        const existing = new Set(await admin.listTopics());
        const missing = wanted.filter((topic) => !existing.has(topic.name));
        if (missing.length > 0) {
          try {
            // No waitForLeaders: its metadata probe is what trips over the propagation delay.
            const made = await admin.createTopics({
              waitForLeaders: false,
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
            if (made) created.push(...missing.map((t) => t.name));
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
          return undefined;
        }
        const metadata = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.name) });
        const ready = metadata.topics.every(
          (topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0),
        );
        return ready ? true : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
    return created;
  } catch (err) {
    throw new TradewatchError(
      ErrorCode.KAFKA_TOPIC_SETUP_FAILED,
      `could not create topics: ${messageOf(err)}`,
      {
        cause: err,
        retriable: true,
      },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Another caller created the topic between our list and our create: the goal is met. */
function isAlreadyExists(err: unknown): boolean {
  const e = err as { type?: string; errors?: Array<{ type?: string }> };
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return (
    Array.isArray(e?.errors) &&
    e.errors.length > 0 &&
    e.errors.every((x) => x.type === 'TOPIC_ALREADY_EXISTS')
  );
}
