import { engineTopics } from './engine.js';
import { marketTopics } from './market.js';
import { simulationTopics } from './simulation.js';
import { socialTopics } from './social.js';
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
  ...simulationTopics,
} as const;

export type TopicKey = keyof typeof topics;
