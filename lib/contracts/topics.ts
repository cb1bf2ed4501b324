import { z } from 'zod';
import { engineTopics } from './engine.js';
import { listingTopics } from './listing.js';
import { marketTopics } from './market.js';
import { simulationTopics } from './simulation.js';
import { socialTopics } from './social.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';
import { userTopics } from './user.js';

export { deadLetterTopicName, type TopicSpec, topicName } from './topic-spec.js';

/**
 * Every topic the platform uses, in one place. Each event family declares its topics
 * beside its contracts (`marketTopics` in market.ts, …); a new family is one spread here.
 */
export const topics = {
  ...marketTopics,
  ...engineTopics,
  ...userTopics,
  ...socialTopics,
  ...listingTopics,
  ...simulationTopics,
} as const;

export type TopicKey = keyof typeof topics;

/**
 * Items whose `type` no topic of the collector's endpoint takes still go somewhere: the
 * dead-letter twin of this topic (`collector.unrouted.dlq`), and from there dead_letters
 * (storage.ts `deadLetterOnly`). Nothing is ever written to `collector.unrouted` itself.
 */
export const unroutedTopic: TopicSpec<unknown> = {
  name: 'collector.unrouted',
  schema: z.never(),
  key: () => '',
  partitions: 1,
  retentionMs: 7 * DAY_MS,
};

/** Every topic the broker must hold (each with its `.dlq` twin): the event topics and the unrouted one. */
export const brokerTopics: ReadonlyArray<Pick<TopicSpec<unknown>, 'name' | 'partitions' | 'retentionMs'>> = [
  ...Object.values(topics),
  unroutedTopic,
];
