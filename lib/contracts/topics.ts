import type { z } from 'zod';
import { type MarketTrade, marketTradeSchema } from './market.js';

/**
 * Every topic the platform uses, in one place: its name, the contract of its events, how
 * it is keyed, and how it is created. Names here are bare; a deployment-wide prefix
 * (KAFKA_TOPIC_PREFIX) is added by `topicName`.
 */
export interface TopicSpec<E> {
  readonly name: string;
  readonly schema: z.ZodType<E>;
  /** Kafka key: keeps one entity's events in order on one partition. */
  readonly key: (event: E) => string;
  readonly partitions: number;
  readonly retentionMs: number;
}

const DAY_MS = 86_400_000;

export const topics = {
  marketTrades: {
    name: 'market.trades',
    schema: marketTradeSchema,
    key: (trade: MarketTrade) => `${trade.venue}:${trade.symbol}`,
    partitions: 6,
    // Kafka keeps a week: enough to replay into ClickHouse after an outage or a schema fix.
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<MarketTrade>,
} as const;

export type TopicKey = keyof typeof topics;

/** Dead letters of every topic go to `<topic>.dlq` with the reason in a header. */
export const deadLetterTopicName = (name: string): string => `${name}.dlq`;

export const topicName = (prefix: string, name: string): string => `${prefix}${name}`;
