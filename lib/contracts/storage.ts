import type { TopicKey } from './topics.js';

/**
 * How each topic is kept in ClickHouse, beside the topic registry (topics.ts). The contract
 * says what a field is; this says how the warehouse stores it: the fact table, its engine,
 * keys, retention, column order and the storage choices the benchmarks made (codecs,
 * narrower types). clickhouse/schema/ renders the whole Kafka → fact chain from the two.
 */

/** A fact column; the generator fills the defaults from the contract field of that name. */
export interface FactColumn {
  readonly type: string;
  readonly codec?: string;
  /** SQL over the `_parsed` stream's columns (`c` is the field's own column). */
  readonly select?: string;
  /** A column computed by the table itself, not written by the view. */
  readonly materialized?: string;
  readonly default?: string;
}

export type ColumnEntry = string | readonly [string, Partial<FactColumn>];

export interface TopicStorage {
  readonly fact: string;
  /** ReplacingMergeTree's version column: a redelivered event collapses on merge, the newest copy wins. */
  readonly version: 'ingested_at';
  readonly orderBy: readonly string[];
  readonly partitionBy: string;
  /** The time column whose age (FACT_TTL_DAYS) drops a day's partition. */
  readonly ttl: string;
  /** Fact columns in order: contract fields, the standard ones (ingested_at, kafka_*), or derived ones with a full definition. */
  readonly columns: readonly ColumnEntry[];
  readonly indexes?: readonly string[];
  /** Keep the W3C traceparent header of each message (0120). */
  readonly traceParent: boolean;
  /** Consumer group suffix: a new value makes the queue join a new group (and re-read what Kafka retains). */
  readonly group: string;
  /** Rows per block the Kafka table hands its views; null leaves the engine's default. */
  readonly maxBlockSize?: number | null;
}

/** Columns every fact has besides the contract's: when it arrived and where it came from. */
export const STANDARD_COLUMNS: Readonly<Record<string, FactColumn>> = {
  ingested_at: { type: "DateTime64(3, 'UTC')", default: 'now64(3)', codec: 'Delta, ZSTD(1)' },
  kafka_partition: { type: 'UInt16', codec: 'ZSTD(1)', select: 'kafka_partition' },
  kafka_offset: { type: 'UInt64', codec: 'Delta, ZSTD(1)', select: 'kafka_offset' },
};

const TAIL = ['ingested_at', 'source', 'schema_version', 'kafka_partition', 'kafka_offset'] as const;
const DAILY = 'toYYYYMMDD(occurred_at)';
const INGESTED_IDX = 'INDEX ingested_at_idx ingested_at TYPE minmax GRANULARITY 1';
const bloom = (column: string, name = column) =>
  `INDEX ${name}_idx ${column} TYPE bloom_filter(0.01) GRANULARITY 4`;
const MARKET_KEY = ['venue', 'symbol', 'occurred_at', 'event_id'];
const MARKET_TIMES = ['occurred_at', 'received_at', 'produced_at'];
const ACCOUNT_KEY = ['account_id', 'occurred_at', 'event_id'];
/** Venue update ids are never negative: UInt64, and Delta suits ids that mostly rise. */
const updateId = (name: string) =>
  [name, { type: 'UInt64', codec: 'Delta, ZSTD(1)', select: `toUInt64(${name})` }] as const;
/** Level arrays compress well as a block; Gorilla works per value. */
const levels = (name: string) => [name, { codec: 'ZSTD(3)' }] as const;
const zstd3 = (name: string) => [name, { codec: 'ZSTD(3)' }] as const;
const lowCardinality = (name: string) => [name, { type: 'LowCardinality(String)', codec: '' }] as const;

/** A daily-partitioned fact kept FACT_TTL_DAYS, deduplicated on event_id, in group `<fact>_v2` (0140). */
const daily =
  (orderBy: readonly string[], around: (columns: readonly ColumnEntry[]) => readonly ColumnEntry[]) =>
  (fact: string, columns: readonly ColumnEntry[], extra: Partial<TopicStorage> = {}): TopicStorage => ({
    fact,
    version: 'ingested_at',
    orderBy,
    partitionBy: DAILY,
    ttl: 'occurred_at',
    columns: around(columns),
    traceParent: false,
    group: `${fact}_v2`,
    ...extra,
  });
const market = daily(MARKET_KEY, (columns) => [
  'event_id',
  'venue',
  'symbol',
  ...columns,
  ...MARKET_TIMES,
  ...TAIL,
]);
const account = daily(ACCOUNT_KEY, (columns) => [
  'event_id',
  ...columns,
  'occurred_at',
  'produced_at',
  ...TAIL,
]);

/**
 * Topics with no fact of their own whose dead-letter twin producers still write: the
 * collector puts items of a type no topic takes on `collector.unrouted.dlq`. Each gets the
 * producer dead-letter chain (`<name>_dlq_queue` → dead_letters), so those refusals are in
 * the same table as every other.
 */
export const deadLetterOnly: Readonly<Record<string, { readonly name: string }>> = {
  'collector.unrouted': { name: 'collector_unrouted' },
};

export const storage: Readonly<Record<TopicKey, TopicStorage>> = {
  marketTrades: market(
    'market_trades',
    // 0067: quantities repeat exactly (lot sizes), which ZSTD alone finds and Gorilla hides.
    ['trade_id', 'side', 'price', ['quantity', { codec: 'ZSTD(1)' }]],
    { indexes: [INGESTED_IDX] },
  ),
  marketBookL1: market(
    'market_book_l1',
    ['bid_price', 'bid_quantity', 'ask_price', 'ask_quantity', updateId('update_id')],
    { indexes: [INGESTED_IDX] },
  ),
  marketDepth: market('market_depth', [
    'kind',
    updateId('first_update_id'),
    updateId('final_update_id'),
    updateId('prev_update_id'),
    levels('bid_prices'),
    levels('bid_quantities'),
    levels('ask_prices'),
    levels('ask_quantities'),
    'best_bid_price',
    'best_ask_price',
  ]),
  marketMark: market('market_mark', ['mark_price', 'index_price', 'funding_rate', 'next_funding_at']),
  marketLiquidations: market('market_liquidations', ['side', 'price', 'quantity']),
  marketOpenInterest: market('market_open_interest', ['open_interest', 'open_interest_value', 'via']),
  marketIntegrity: market('market_integrity', [
    'kind',
    lowCardinality('stream'),
    'expected',
    'got',
    zstd3('detail'),
  ]),
  engineOrders: account(
    'engine_orders',
    [
      'event',
      'account_id',
      'order_id',
      'client_order_id',
      'symbol',
      'side',
      'order_type',
      'time_in_force',
      'price',
      'stop_price',
      'quantity',
      'filled_quantity',
      ['expires_at', { codec: 'ZSTD(1)' }],
      'fill_price',
      'fill_quantity',
      'trade_id',
      'reject_reason',
    ],
    { indexes: [INGESTED_IDX] },
  ),
  engineExecutions: account(
    'engine_executions',
    [
      'symbol',
      'trade_id',
      'price',
      'quantity',
      'aggressor_side',
      'maker_account_id',
      'maker_order_id',
      'taker_account_id',
      'taker_order_id',
      ['self_trade', { type: 'Bool', materialized: 'maker_account_id = taker_account_id' }],
    ],
    {
      // Executions are keyed by symbol in Kafka and read by symbol here; accounts go through the bloom filters.
      orderBy: ['symbol', 'occurred_at', 'event_id'],
      indexes: [
        bloom('maker_account_id', 'maker_account'),
        bloom('taker_account_id', 'taker_account'),
        INGESTED_IDX,
      ],
    },
  ),
  userLogins: account(
    'user_logins',
    [
      'account_id',
      'outcome',
      'ip',
      zstd3('user_agent'),
      'device_id',
      lowCardinality('geo_country'),
      lowCardinality('geo_city'),
    ],
    { indexes: [bloom('ip'), INGESTED_IDX], traceParent: true },
  ),
  userFunds: account(
    'user_funds',
    [
      'account_id',
      [
        'direction',
        {
          type: "Enum8('deposit' = 1, 'withdrawal' = 2)",
          select: "if(type = 'user.deposit', 'deposit', 'withdrawal')",
        },
      ],
      'transfer_id',
      'status',
      lowCardinality('asset'),
      lowCardinality('network'),
      'amount',
      'address',
      'address_tag',
      'tx_hash',
    ],
    { indexes: [bloom('address'), INGESTED_IDX], traceParent: true },
  ),
  userApiKeys: account('user_api_keys', ['account_id', 'key_id', 'action', 'permissions', 'ip']),
  userBrowser: account(
    'user_browser_actions',
    [
      'account_id',
      'session_id',
      lowCardinality('action'),
      lowCardinality('page'),
      'device_id',
      zstd3('user_agent'),
    ],
    { orderBy: ['account_id', 'session_id', 'occurred_at', 'event_id'] },
  ),
  socialMentions: {
    fact: 'social_mentions',
    version: 'ingested_at',
    orderBy: ['token', 'occurred_at', 'event_id'],
    partitionBy: DAILY,
    ttl: 'occurred_at',
    columns: [
      'event_id',
      'token',
      'source_kind',
      'source_name',
      zstd3('url'),
      zstd3('title'),
      zstd3('excerpt'),
      lowCardinality('matched_term'),
      // Counts are small and sentiment needs no double: narrower columns, same answers.
      [
        'mention_count',
        { type: 'UInt16', codec: 'T64, ZSTD(1)', select: 'toUInt16(least(mention_count, 65535))' },
      ],
      ['sentiment', { type: 'Float32', codec: 'ZSTD(1)', select: 'toFloat32(sentiment)' }],
      'scorer',
      lowCardinality('model'),
      ['content_hash', { type: 'FixedString(64)', select: 'toFixedString(content_hash, 64)' }],
      'occurred_at',
      'published_at',
      'produced_at',
      ...TAIL,
    ],
    indexes: [INGESTED_IDX],
    traceParent: false,
    group: 'social_mentions_v2',
  },
  // A few announcements a day, read by asset and time (insider-before-listing).
  listings: {
    fact: 'listings',
    version: 'ingested_at',
    orderBy: ['asset', 'announced_at', 'event_id'],
    partitionBy: 'toYYYYMM(announced_at)',
    ttl: 'announced_at',
    columns: [
      'event_id',
      'listing_id',
      'venue',
      lowCardinality('asset'),
      'symbol',
      'market_type',
      'announced_at',
      'effective_at',
      zstd3('title'),
      zstd3('url'),
      'occurred_at',
      'produced_at',
      ...TAIL,
    ],
    traceParent: false,
    group: 'listings_v1',
    maxBlockSize: null,
  },
  // Ground truth for the detection report: small, read whole, so no codecs.
  simLabels: {
    fact: 'sim_labels',
    version: 'ingested_at',
    orderBy: ['scenario', 'entity', 'start_at', 'event_id'],
    partitionBy: 'toYYYYMMDD(start_at)',
    ttl: 'start_at',
    columns: [
      'event_id',
      ['scenario', { type: 'LowCardinality(String)', select: 'scenario' }],
      'entity_kind',
      ['entity', { codec: '' }],
      ['start_at', { codec: '' }],
      ['end_at', { codec: '' }],
      [
        'event_ids',
        {
          type: 'Array(FixedString(26))',
          codec: 'ZSTD(3)',
          select: 'arrayMap(id -> toFixedString(id, 26), event_ids)',
        },
      ],
      ['seed', { type: 'UInt64', select: 'toUInt64(seed)' }],
      zstd3('details'),
      ['occurred_at', { codec: '' }],
      ['produced_at', { codec: '' }],
      ['ingested_at', { codec: '' }],
      'source',
      'schema_version',
      ['kafka_partition', { codec: '' }],
      ['kafka_offset', { codec: '' }],
    ],
    traceParent: false,
    group: 'sim_labels_v2',
    // A label or two per scenario: the engine's default block size is plenty.
    maxBlockSize: null,
  },
};
