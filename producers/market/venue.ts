import type {
  MarketBookL1,
  MarketDepth,
  MarketIntegrity,
  MarketLiquidation,
  MarketMark,
  MarketOpenInterest,
  MarketTopicKey,
  MarketTrade,
} from '../../lib/contracts/market.js';
import type { Logger } from '../../lib/log.js';

/**
 * The connector interface. A venue is one file under venues/ that knows its wire format:
 * URLs, subscriptions, heartbeats, limits, how frames become normalised events and its own
 * book-sequence rules. Everything else (reconnects, watchdog, backpressure, recording,
 * replay, Kafka) is shared and lives outside the venue file.
 */

/** A normalised event and the topic it goes to; contracts validate it before Kafka. */
export type Emission =
  | { topic: 'marketTrades'; event: MarketTrade }
  | { topic: 'marketBookL1'; event: MarketBookL1 }
  | { topic: 'marketDepth'; event: MarketDepth }
  | { topic: 'marketMark'; event: MarketMark }
  | { topic: 'marketLiquidations'; event: MarketLiquidation }
  | { topic: 'marketOpenInterest'; event: MarketOpenInterest }
  | { topic: 'marketIntegrity'; event: MarketIntegrity };

export type IntegrityReport = Pick<
  MarketIntegrity,
  'symbol' | 'kind' | 'stream' | 'expected' | 'got' | 'detail'
>;

/** What a venue adapter may do; given to it by the connector (live) or the replay source. */
export interface VenueContext {
  readonly log: Logger;
  /**
   * Publishes a normalised event. `frame` is the venue frame it came from: when the event
   * breaks its contract, that frame is dead-lettered with the reason. Returns false when
   * the event was not accepted (contract refusal, or no room in the bounded buffer).
   */
  emit(emission: Emission, frame: string): boolean;
  /** A frame that could not be read: counted and dead-lettered with the reason, never thrown. */
  reject(frame: string, reason: string, topic?: MarketTopicKey): void;
  /** Raises a `market.integrity` event for this venue and counts it. */
  integrity(report: IntegrityReport, occurredAt?: number): void;
  /** A venue REST call (book snapshots); recorded when recording, served from the file in replay. */
  fetchJson(url: string): Promise<unknown>;
  /** Sends a frame on the live connection (subscriptions); a no-op in replay. */
  send(frame: string): void;
  /** Maps a venue timestamp into our clock: identity live, shifted to now in a rebased replay. */
  venueTime(ms: number): number;
  /** Counts an event the adapter recognised as already published (overlapping connections). */
  duplicate(): void;
  /** Counts a book resynchronisation. */
  resynced(symbol: string): void;
}

export interface VenueAdapter {
  /** The WebSocket URL to open (Binance names its streams in the URL). */
  url(): string;
  /** Frames to send once a connection opens (Bybit subscribes here), already split to the venue's limits. */
  openingFrames(): string[];
  /** Streams expected to tick continuously: the watchdog reconnects when one goes silent. */
  watchedStreams(): string[];
  /**
   * Reads one text frame. Returns the stream it belongs to (for the watchdog), or
   * undefined for control frames (acks, pongs) and frames it rejected.
   */
  onFrame(frame: string, receivedAt: number): string | undefined;
  /** A connection opened: books whose venue rules need it start their sync again. */
  onConnected(): void;
  /** Application-level keepalive the venue asks of clients (WebSocket pings are answered by `ws`). */
  readonly heartbeat?: { intervalMs: number; frame: () => string };
  /** Stops timers (snapshot retries). */
  close(): void;
}

export interface VenueLimits {
  /** Streams (Binance) or topics (Bybit) one connection may carry. */
  maxStreamsPerConnection: number;
  /** Connection attempts allowed per window and IP, so reconnect storms never get us banned. */
  connectionAttempts: { max: number; windowMs: number };
  /** The venue closes a connection at this age; we hand over to a new one before it. */
  maxConnectionAgeMs: number;
}

export interface VenueOptions {
  symbols: readonly string[];
  wsUrl: string;
  restUrl: string;
  /** Levels asked of a REST book snapshot (Binance `limit`). */
  depthSnapshotLimit: number;
  ctx: VenueContext;
}

export interface VenueDefinition {
  /** The `venue` field of every event, e.g. `binance`. */
  readonly id: string;
  /** The envelope `source`, e.g. `binance-usdm`. */
  readonly source: string;
  readonly defaultWsUrl: string;
  readonly defaultRestUrl: string;
  readonly limits: VenueLimits;
  /** How many streams a symbol list needs (checked against the limits at start-up). */
  streamCount(symbols: readonly string[]): number;
  create(options: VenueOptions): VenueAdapter;
}
