import { engineTopics } from '../lib/contracts/engine.js';
import { marketTopics } from '../lib/contracts/market.js';
import { socialTopics } from '../lib/contracts/social.js';
import type { TopicSpec } from '../lib/contracts/topics.js';
import { userTopics } from '../lib/contracts/user.js';
import { type WarehouseDataset, warehouseDataset } from '../test/warehouse-data.js';

/** A topic of the warehouse mix: its contract, the fact it lands in, its events. */
export interface MixTopic {
  spec: TopicSpec<unknown>;
  table: string;
  events: Record<string, unknown>[];
}

// Each topic's events are only ever handed back to that topic's own contract and key.
const entry = <E>(spec: TopicSpec<E>, table: string, field: keyof WarehouseDataset) => ({
  spec: spec as unknown as TopicSpec<unknown>,
  table,
  field,
});

/** The seven topics the rollups read, each with the fact its Kafka table feeds. */
const MIX = [
  entry(marketTopics.marketTrades, 'market_trades', 'trades'),
  entry(marketTopics.marketBookL1, 'market_book_l1', 'books'),
  entry(engineTopics.engineOrders, 'engine_orders', 'orders'),
  entry(engineTopics.engineExecutions, 'engine_executions', 'executions'),
  entry(userTopics.userLogins, 'user_logins', 'logins'),
  entry(userTopics.userFunds, 'user_funds', 'funds'),
  entry(socialTopics.socialMentions, 'social_mentions', 'mentions'),
];

/**
 * `copies` seeded warehouse datasets (about 1,674 events each, every family the rollups
 * read, timestamps around `now`), grouped by topic.
 */
export function eventMix(copies: number, firstSeed = 1_000, now = Date.now()): MixTopic[] {
  const sets = Array.from({ length: copies }, (_, i) => warehouseDataset(firstSeed + i, now));
  return MIX.map(({ spec, table, field }) => ({
    spec,
    table,
    events: sets.flatMap((s) => s[field] as unknown as Record<string, unknown>[]),
  }));
}
