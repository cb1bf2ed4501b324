import type { z } from 'zod';
import { type MarketTopicKey, marketTopics } from '../../lib/contracts/market.js';
import { validate } from '../../lib/contracts/validate.js';
import type { Logger } from '../../lib/log.js';
import { type RailsSettings, VenueConnection } from './connection.js';
import type { MarketMetrics } from './metrics.js';
import type { Recorder } from './recording.js';
import type { Sink } from './sink.js';
import type { VenueAdapter, VenueContext, VenueDefinition } from './venue.js';
import { marketFields } from './venue-kit.js';

/**
 * Wires one venue: its adapter (wire format), the shared rails (connection), the bounded
 * sink (Kafka), metrics and, optionally, a recorder of the raw traffic.
 */

/** Frames no topic can claim (unreadable JSON, unknown streams) are kept beside the integrity topic. */
const UNATTRIBUTED_FRAMES: MarketTopicKey = 'marketIntegrity';
const REST_TIMEOUT_MS = 10_000;

export interface ContextOptions {
  venue: VenueDefinition;
  sink: Sink;
  metrics: MarketMetrics;
  log: Logger;
  fetchJson: (url: string) => Promise<unknown>;
  send?: (frame: string) => void;
  /** Added to every venue timestamp: 0 live; replays may shift a recording to the present. */
  clockOffsetMs?: number;
}

export function createVenueContext(options: ContextOptions): VenueContext {
  const { venue, sink, metrics } = options;
  const offset = options.clockOffsetMs ?? 0;
  const labels = { venue: venue.id };
  const reject = (frame: string, reason: string, topic: MarketTopicKey = UNATTRIBUTED_FRAMES) => {
    metrics.malformed.inc(labels);
    sink.offerDeadLetter(topic, frame, `${venue.id}: ${reason}`);
  };
  return {
    log: options.log,
    emit(emission, frame) {
      // Checked here, not only at the producer, so the dead letter is the venue's frame as it came.
      const schema: z.ZodType<unknown> = marketTopics[emission.topic].schema;
      const checked = validate(schema, emission.event);
      if (!checked.ok) {
        reject(frame, `${marketTopics[emission.topic].name}: ${checked.reason}`, emission.topic);
        return false;
      }
      return sink.offer(emission);
    },
    reject,
    integrity(report, occurredAt) {
      const now = Date.now() + offset;
      metrics.integrity.inc({ venue: venue.id, kind: report.kind });
      options.log.warn(report, 'market feed integrity event');
      sink.offer({
        topic: 'marketIntegrity',
        event: {
          ...marketFields('market.integrity', venue.id, venue.source, report.symbol, occurredAt ?? now, now),
          ...report,
        },
      });
    },
    fetchJson: options.fetchJson,
    send: options.send ?? (() => {}),
    venueTime: offset === 0 ? (ms) => ms : (ms) => ms + offset,
    duplicate: () => metrics.duplicates.inc(labels),
    resynced: () => metrics.resyncs.inc(labels),
  };
}

/** A venue REST GET returning JSON, with a timeout and the status in the error. */
export function liveFetchJson(
  recorder: Recorder | undefined,
  venue: string,
): (url: string) => Promise<unknown> {
  return async (url) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(REST_TIMEOUT_MS) });
    const body = await response.text();
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
    recorder?.rest(venue, Date.now(), url, body);
    return JSON.parse(body);
  };
}

export interface FeedOptions {
  venue: VenueDefinition;
  symbols: readonly string[];
  wsUrl: string;
  restUrl: string;
  depthSnapshotLimit: number;
  rails: RailsSettings;
  sink: Sink;
  metrics: MarketMetrics;
  log: Logger;
  recorder?: Recorder;
}

/** One live venue feed: connect, normalise, publish, and keep at it. */
export class VenueFeed {
  readonly venue: VenueDefinition;
  readonly #adapter: VenueAdapter;
  readonly #connection: VenueConnection;
  readonly #ctx: VenueContext;
  readonly #symbols: readonly string[];

  constructor(options: FeedOptions) {
    const { venue, metrics, recorder } = options;
    this.venue = venue;
    this.#symbols = options.symbols;
    const log = options.log.child({ venue: venue.id });
    let connection: VenueConnection | undefined;
    this.#ctx = createVenueContext({
      venue,
      sink: options.sink,
      metrics,
      log,
      fetchJson: liveFetchJson(recorder, venue.id),
      send: (frame) => connection?.send(frame),
    });
    this.#adapter = venue.create({
      symbols: options.symbols,
      wsUrl: options.wsUrl,
      restUrl: options.restUrl,
      depthSnapshotLimit: options.depthSnapshotLimit,
      ctx: this.#ctx,
    });
    const labels = { venue: venue.id };
    connection = new VenueConnection({
      adapter: this.#adapter,
      settings: options.rails,
      limits: venue.limits,
      log,
      hooks: {
        onFrame: (frame, receivedAt) => {
          metrics.frames.inc(labels);
          recorder?.frame(venue.id, receivedAt, frame);
          return this.#adapter.onFrame(frame, receivedAt);
        },
        onBinaryFrame: (bytes) => {
          metrics.frames.inc(labels);
          this.#ctx.reject(bytes.toString('base64'), 'binary frame (base64 here); the venue sends JSON text');
        },
        onOpen: () => {
          metrics.connected.set(labels, 1);
          this.#adapter.onConnected();
        },
        onStale: (streams, silentMs) => {
          for (const stream of streams) {
            this.#ctx.integrity({
              symbol: this.#symbolOf(stream),
              kind: 'stale_stream',
              stream,
              expected: `a message within ${options.rails.staleFeedMs} ms`,
              got: `silent for ${silentMs} ms`,
              detail: 'stale-feed watchdog: reconnecting',
            });
          }
        },
        onDropped: (code, reason) => {
          for (const symbol of this.#symbols) {
            this.#ctx.integrity({
              symbol,
              kind: 'disconnected',
              stream: 'connection',
              expected: 'an open connection',
              got: `closed by peer or network (code ${code}${reason ? `, ${reason}` : ''})`,
              detail: 'reconnecting with backoff; order books resynchronise by the venue rules',
            });
          }
        },
        onReconnect: (reason) => {
          metrics.reconnects.inc({ venue: venue.id, reason });
          if (reason !== 'planned') metrics.connected.set(labels, 0);
        },
      },
    });
    this.#connection = connection;
  }

  start(): void {
    this.#connection.start();
  }

  status(): ReturnType<VenueConnection['status']> {
    return this.#connection.status();
  }

  async stop(): Promise<void> {
    this.#adapter.close();
    await this.#connection.stop();
  }

  /** The symbol a stream name belongs to (`btcusdt@depth@100ms`, `orderbook.50.BTCUSDT`). */
  #symbolOf(stream: string): string {
    const upper = stream.toUpperCase();
    return (
      this.#symbols.find((s) => upper.startsWith(`${s}@`) || upper.endsWith(`.${s}`)) ??
      this.#symbols[0] ??
      'UNKNOWN'
    );
  }
}
