import { type EngineExecution, type EngineOrder, engineTopics } from '../lib/contracts/engine.js';
import { newEventId } from '../lib/contracts/envelope.js';
import { type MarketBookL1, type MarketTrade, marketTopics } from '../lib/contracts/market.js';
import { type SocialMention, socialTopics } from '../lib/contracts/social.js';
import type { TopicSpec } from '../lib/contracts/topic-spec.js';
import { type UserFunds, type UserLogin, userTopics } from '../lib/contracts/user.js';
import { Rng } from '../lib/random.js';
import { aDeposit, aLogin, anExecution, anOrder, aWithdrawal } from './engine-user-builders.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const PRICES: Record<string, number> = { BTC: 97_000, ETH: 3_400, SOL: 180, DOGE: 0.32 };

export interface WarehouseDataset {
  trades: MarketTrade[];
  books: MarketBookL1[];
  orders: EngineOrder[];
  executions: EngineExecution[];
  logins: UserLogin[];
  funds: UserFunds[];
  mentions: SocialMention[];
}

/** The topic each of the dataset's families is produced to, in the dataset's order. */
const TOPIC_OF: { [K in keyof WarehouseDataset]: TopicSpec<WarehouseDataset[K][number]> } = {
  trades: marketTopics.marketTrades,
  books: marketTopics.marketBookL1,
  orders: engineTopics.engineOrders,
  executions: engineTopics.engineExecutions,
  logins: userTopics.userLogins,
  funds: userTopics.userFunds,
  mentions: socialTopics.socialMentions,
};

/** Every topic the dataset feeds. */
export const warehouseTopics = Object.values(TOPIC_OF) as unknown as readonly TopicSpec<never>[];

/** The dataset as (topic, events) pairs, ready to produce. */
export const datasetBatches = (data: WarehouseDataset): [TopicSpec<never>, unknown[]][] =>
  (Object.keys(TOPIC_OF) as (keyof WarehouseDataset)[]).map((k) => [
    TOPIC_OF[k] as unknown as TopicSpec<never>,
    data[k],
  ]);

/**
 * A small, seeded slice of every family the rollups read, spread over the recent past so
 * that buckets have several rows: market data over 6 minutes, executions over 12, mentions
 * over 70 (the buzz baseline is the previous hour), logins and transfers over two days
 * (new IPs need an earlier day). Each event has a fresh event_id.
 */
export function warehouseDataset(seed: number, now = Date.now()): WarehouseDataset {
  const rng = new Rng(seed);
  const at = (spanMs: number) => now - rng.int(1_000, spanMs);
  const envelope = (occurredAt: number) => ({
    event_id: newEventId(occurredAt),
    source: rng.pick(['feed-a', 'feed-b']),
    occurred_at: occurredAt,
    produced_at: occurredAt + 3,
    schema_version: 1 as const,
  });
  const accounts = ['acc-1', 'acc-2', 'acc-3', 'acc-4', 'acc-5', 'acc-6'];

  const trades = Array.from({ length: 600 }, (_, i): MarketTrade => {
    const occurredAt = at(6 * MINUTE_MS);
    const token = rng.pick(['BTC', 'ETH', 'SOL']);
    return {
      ...envelope(occurredAt),
      type: 'market.trade',
      venue: rng.pick(['binance', 'bybit']),
      symbol: `${token}USDT`,
      trade_id: `t-${i}`,
      price: Number(((PRICES[token] as number) * (1 + (rng.next() - 0.5) * 0.01)).toPrecision(8)),
      quantity: Number((rng.next() * 2 + 0.001).toFixed(4)),
      side: rng.pick(['buy', 'sell'] as const),
      received_at: occurredAt + rng.int(0, 80),
    };
  });

  const books = Array.from({ length: 300 }, (_, i): MarketBookL1 => {
    const occurredAt = at(6 * MINUTE_MS);
    const token = rng.pick(['BTC', 'ETH']);
    const mid = PRICES[token] as number;
    const half = mid * rng.int(1, 40) * 0.00001;
    return {
      ...envelope(occurredAt),
      type: 'market.book_l1',
      venue: rng.pick(['binance', 'bybit']),
      symbol: `${token}USDT`,
      bid_price: Number((mid - half).toFixed(2)),
      bid_quantity: Number((rng.next() * 5 + 0.01).toFixed(3)),
      ask_price: Number((mid + half).toFixed(2)),
      ask_quantity: Number((rng.next() * 5 + 0.01).toFixed(3)),
      update_id: 1_000 + i,
      received_at: occurredAt + rng.int(1, 120),
    };
  });

  const orders = Array.from({ length: 240 }, (_, i): EngineOrder => {
    const resting = rng.chance(0.7);
    return anOrder({
      ...envelope(at(2 * HOUR_MS)),
      event: rng.chance(0.45) ? 'cancel' : 'new',
      order_id: `o-${i}`,
      account_id: rng.pick(accounts),
      order_type: resting ? 'limit' : 'market',
      time_in_force: resting ? 'gtc' : 'ioc',
      price: resting ? 97_000 : undefined,
    });
  });

  const executions = Array.from({ length: 200 }, (_, i): EngineExecution => {
    const token = rng.pick(['BTC', 'ETH', 'DOGE']);
    const maker = rng.pick(accounts);
    return anExecution({
      ...envelope(at(12 * MINUTE_MS)),
      trade_id: `x-${i}`,
      symbol: `${token}USDT`,
      price: Number(((PRICES[token] as number) * (1 + (rng.next() - 0.5) * 0.02)).toPrecision(8)),
      quantity: Number((rng.next() * 3 + 0.01).toFixed(3)),
      maker_account_id: maker,
      maker_order_id: `mo-${i}`,
      // One in six is a self-trade: the wash-trade share and self-trade counts have work to do.
      taker_account_id: rng.chance(1 / 6) ? maker : rng.pick(accounts),
      taker_order_id: `to-${i}`,
    });
  });

  const logins: UserLogin[] = [];
  for (const account of accounts) {
    const home = `198.51.100.${accounts.indexOf(account) + 1}`;
    // Yesterday from home: history, so today's other IPs are new.
    for (let k = 0; k < 3; k += 1) {
      logins.push(aLogin({ ...envelope(now - 30 * HOUR_MS + k * MINUTE_MS), account_id: account, ip: home }));
    }
    for (let k = 0; k < 6; k += 1) {
      logins.push(
        aLogin({
          ...envelope(at(30 * MINUTE_MS)),
          account_id: account,
          ip: rng.chance(0.3) ? `185.220.101.${rng.int(1, 4)}` : home,
          device_id: rng.pick(['dev-a', 'dev-b', 'dev-c']),
          geo_country: rng.pick(['DE', 'FR']),
          outcome: rng.chance(0.25) ? 'bad_password' : 'success',
        }),
      );
    }
  }

  const funds = Array.from({ length: 120 }, (_, i): UserFunds => {
    const asset = rng.pick(['BTC', 'ETH', 'USDT', 'XYZ']);
    const amount = asset === 'USDT' ? rng.int(100, 200_000) : Number((rng.next() * 3).toFixed(4)) + 0.001;
    const fields = {
      ...envelope(rng.chance(0.2) ? now - 26 * HOUR_MS : at(30 * MINUTE_MS)),
      account_id: rng.pick(accounts),
      transfer_id: `tr-${i}`,
      asset,
      network: undefined,
      amount,
    };
    return rng.chance(0.5)
      ? aDeposit({ ...fields, status: rng.pick(['pending', 'completed', 'completed'] as const) })
      : aWithdrawal({ ...fields, status: rng.pick(['requested', 'requested', 'completed'] as const) });
  });

  const mentions = Array.from({ length: 160 }, (_, i): SocialMention => {
    const occurredAt = at(70 * MINUTE_MS);
    return {
      ...envelope(occurredAt),
      type: 'social.mention',
      token: rng.pick(['BTC', 'ETH', 'DOGE']),
      source_kind: 'simulator',
      source_name: 'sim-forum',
      url: '',
      title: `headline ${i}`,
      excerpt: '',
      matched_term: 'BTC',
      mention_count: 1,
      sentiment: Math.round((rng.next() * 2 - 1) * 1000) / 1000,
      scorer: 'lexicon',
      model: 'sentiment@5.0.2+crypto',
      content_hash: i.toString(16).padStart(64, '0'),
      published_at: occurredAt,
    };
  });

  return { trades, books, orders, executions, logins, funds, mentions };
}

/** Every `n`th item: the ones a test delivers a second time. */
export const everyNth = <T>(items: readonly T[], n: number): T[] => items.filter((_, i) => i % n === 0);
