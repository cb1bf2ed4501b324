import type { z } from 'zod';
import type { WarehouseContract } from './contract.js';

/**
 * What the platform knows about a topic: its name, the contract of its events, how it is
 * keyed, and how it is created. Names are bare; a deployment-wide prefix
 * (KAFKA_TOPIC_PREFIX) is added by `topicName`.
 */
export interface TopicSpec<E> {
  readonly name: string;
  readonly schema: z.ZodType<E>;
  /** The fields and rules `schema` is built from; the warehouse schema is generated from them (absent: not stored). */
  readonly contract?: WarehouseContract;
  /** Kafka key: keeps one entity's events in order on one partition. */
  readonly key: (event: E) => string;
  readonly partitions: number;
  readonly retentionMs: number;
}

export const DAY_MS = 86_400_000;

/** Dead letters of every topic go to `<topic>.dlq` with the reason in a header. */
export const deadLetterTopicName = (name: string): string => `${name}.dlq`;

export const topicName = (prefix: string, name: string): string => `${prefix}${name}`;

/**
 * A topic whose events a contract describes (and the warehouse stores): the spec's schema
 * is the contract's, so a family's topic list names each contract once. `key` keeps one
 * entity's events in order; `retentionMs` is how long Kafka keeps them (room to replay into
 * ClickHouse after an outage or a fix).
 */
export const storedTopic = <
  const N extends string,
  C extends WarehouseContract & { schema: z.ZodType },
  K extends (event: z.infer<C['schema']>) => string,
>(
  name: N,
  contract: C,
  key: K,
  partitions: number,
  retentionMs: number,
) => ({ name, contract, schema: contract.schema as C['schema'], key, partitions, retentionMs }) as const;
