import { newEventId } from '../../lib/contracts/envelope.js';
import type { TopicKey } from '../../lib/contracts/topics.js';
import {
  aBrowserAction,
  aLogin,
  anApiKeyChange,
  anExecution,
  anOrder,
  aWithdrawal,
} from '../engine-user-builders.js';

/** The fact table each topic's consumer writes to (the storage entries, lib/contracts/storage.ts). */
export const factTables: Record<TopicKey, string> = {
  marketTrades: 'market_trades',
  marketBookL1: 'market_book_l1',
  marketDepth: 'market_depth',
  marketMark: 'market_mark',
  marketLiquidations: 'market_liquidations',
  marketOpenInterest: 'market_open_interest',
  marketIntegrity: 'market_integrity',
  engineOrders: 'engine_orders',
  engineExecutions: 'engine_executions',
  userLogins: 'user_logins',
  userFunds: 'user_funds',
  userApiKeys: 'user_api_keys',
  userBrowser: 'user_browser_actions',
  socialMentions: 'social_mentions',
  listings: 'listings',
  simLabels: 'sim_labels',
};

const marketEnvelope = () => {
  const now = Date.now();
  return {
    event_id: newEventId(now),
    source: 'fuzz',
    occurred_at: now - 5,
    produced_at: now,
    received_at: now - 2,
    schema_version: 1,
    venue: 'binance',
    symbol: 'BTCUSDT',
  };
};

/**
 * One valid event per topic, with a fresh event_id on every call: the base that the
 * fuzzer mutates, and the sentinel that proves a consumer did not stall.
 */
export const validEvents: Record<TopicKey, () => Record<string, unknown>> = {
  marketTrades: () => ({
    ...marketEnvelope(),
    type: 'market.trade',
    trade_id: 't-1',
    price: 65_000.5,
    quantity: 0.25,
    side: 'buy',
  }),
  marketBookL1: () => ({
    ...marketEnvelope(),
    type: 'market.book_l1',
    bid_price: 65_000,
    bid_quantity: 1.5,
    ask_price: 65_000.5,
    ask_quantity: 2,
    update_id: 1_000_001,
  }),
  marketDepth: () => ({
    ...marketEnvelope(),
    type: 'market.depth',
    kind: 'diff',
    first_update_id: 101,
    final_update_id: 105,
    prev_update_id: 100,
    bid_prices: [65_000, 64_999.5],
    bid_quantities: [1, 0],
    ask_prices: [65_000.5],
    ask_quantities: [2],
    best_bid_price: 65_000,
    best_ask_price: 65_000.5,
  }),
  marketMark: () => ({
    ...marketEnvelope(),
    type: 'market.mark',
    mark_price: 65_010,
    index_price: 65_005,
    funding_rate: 0.0001,
    next_funding_at: Date.now() + 3_600_000,
  }),
  marketLiquidations: () => ({
    ...marketEnvelope(),
    type: 'market.liquidation',
    side: 'sell',
    price: 64_000,
    quantity: 3,
  }),
  marketOpenInterest: () => ({
    ...marketEnvelope(),
    type: 'market.open_interest',
    open_interest: 84_512.3,
    open_interest_value: 5_493_299_500,
    via: 'rest',
  }),
  marketIntegrity: () => ({
    ...marketEnvelope(),
    type: 'market.integrity',
    kind: 'sequence_gap',
    stream: 'btcusdt@depth@100ms',
    expected: '106',
    got: '110',
    detail: 'resyncing',
  }),
  engineOrders: () => anOrder({ source: 'fuzz' }),
  engineExecutions: () => anExecution({ source: 'fuzz' }),
  userLogins: () => aLogin({ source: 'fuzz' }),
  userFunds: () => aWithdrawal({ source: 'fuzz' }),
  userApiKeys: () => anApiKeyChange({ source: 'fuzz' }),
  userBrowser: () => aBrowserAction({ source: 'fuzz' }),
  socialMentions: () => {
    const now = Date.now();
    return {
      event_id: newEventId(now),
      type: 'social.mention',
      source: 'fuzz',
      occurred_at: now - 60_000,
      produced_at: now,
      schema_version: 1,
      token: 'BTC',
      source_kind: 'rss',
      source_name: 'coindesk',
      url: 'https://example.com/a',
      title: 'Bitcoin rallies',
      excerpt: 'Bitcoin rose today.',
      matched_term: 'bitcoin',
      mention_count: 2,
      sentiment: 0.4,
      scorer: 'lexicon',
      model: 'sentiment@5.0.2',
      content_hash: 'a'.repeat(64),
      published_at: now - 60_000,
    };
  },
  listings: () => {
    const now = Date.now();
    return {
      event_id: newEventId(now),
      type: 'listing.announcement',
      source: 'fuzz',
      occurred_at: now - 60_000,
      produced_at: now,
      schema_version: 1,
      listing_id: 'ann-1',
      venue: 'tradewatch',
      asset: 'NOVA',
      symbol: 'NOVAUSDT',
      market_type: 'spot',
      announced_at: now - 60_000,
      effective_at: now + 3_600_000,
      title: 'Tradewatch will list NOVA',
      url: 'https://example.com/listings/nova',
    };
  },
  simLabels: () => {
    const now = Date.now();
    return {
      event_id: newEventId(now),
      type: 'sim.label',
      source: 'fuzz',
      occurred_at: now,
      produced_at: now,
      schema_version: 1,
      scenario: 'wash-trading',
      entity_kind: 'account',
      entity: 'acc-1',
      start_at: now - 60_000,
      end_at: now,
      event_ids: [newEventId(now - 1)],
      seed: 7,
      details: 'size=3',
    };
  },
};
