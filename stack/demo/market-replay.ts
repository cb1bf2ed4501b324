import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import { createMetricsRegistry } from '../../lib/service/metrics.js';
import { loadMarketConfig } from '../../producers/market/config.js';
import { MarketMetrics } from '../../producers/market/metrics.js';
import { replayRecording } from '../../producers/market/replay.js';
import { KafkaSink, type Sink } from '../../producers/market/sink.js';
import type { Emission } from '../../producers/market/venue.js';
import { venues } from '../../producers/market/venues/index.js';

const SAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../producers/market/samples');
export const MARKET_SAMPLES = [
  join(SAMPLES, 'binance-usdm.jsonl.gz'),
  join(SAMPLES, 'bybit-linear.jsonl.gz'),
];

export class ReplayStopped extends Error {
  constructor() {
    super('market replay stopped');
  }
}

/**
 * A sink that can end a replay part-way: once stopped it has no room and refuses to wait
 * for any, so `replayRecording` (which asks before every frame) ends at the next frame.
 * Everything else is the Kafka sink's.
 */
export class StoppableSink implements Sink {
  #stopped = false;
  readonly #waiting = new Set<(err: Error) => void>();
  constructor(readonly inner: KafkaSink) {}
  get size(): number {
    return this.inner.size;
  }
  stop(): void {
    this.#stopped = true;
    for (const reject of this.#waiting) reject(new ReplayStopped());
    this.#waiting.clear();
  }
  offer(emission: Emission): boolean {
    return this.inner.offer(emission);
  }
  offerDeadLetter(...args: Parameters<Sink['offerDeadLetter']>): boolean {
    return this.inner.offerDeadLetter(...args);
  }
  hasRoom(headroom: number): boolean {
    return !this.#stopped && this.inner.hasRoom(headroom);
  }
  whenWritable(headroom: number): Promise<void> {
    if (this.#stopped) return Promise.reject(new ReplayStopped());
    return new Promise((resolve, reject) => {
      this.#waiting.add(reject);
      this.inner.whenWritable(headroom).then(() => {
        this.#waiting.delete(reject);
        resolve();
      }, reject);
    });
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * The recorded market sample (30 s of Binance and Bybit, BTCUSDT and ETHUSDT) replayed
 * through the venue adapters at the recorded pace, over and over, each pass rebased to
 * "now" so the feed stays fresh for the market rules. Its one deliberate sequence gap
 * shows the book-integrity rule at work.
 */
/** The replay's own log lines (its deliberate gap, each pass): kept off the demo's screen. */
export const MARKET_REPLAY_MODULE = 'market-replay';

export function startMarketReplay(options: { producer: EventProducer; log: Logger }): {
  passes(): number;
  stop(): Promise<void>;
} {
  const market = loadMarketConfig();
  // The venue adapters report the deliberate gap at every pass; its alert (book integrity) is
  // what the demo shows. A failure of the replay itself is logged on options.log, on screen.
  const log = options.log.child({ module: MARKET_REPLAY_MODULE });
  const metrics = new MarketMetrics(createMetricsRegistry('demo-market'));
  const sink = new StoppableSink(
    new KafkaSink({
      producer: options.producer,
      capacity: market.MARKET_BUFFER_MAX_EVENTS,
      batchMax: market.MARKET_BATCH_MAX_EVENTS,
      metrics,
      log: options.log,
    }),
  );
  let passes = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const results = await Promise.allSettled(
        MARKET_SAMPLES.map((file) =>
          replayRecording({ file, speed: 1, rebase: true, venues, sink, metrics, log }),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected' && !(r.reason instanceof ReplayStopped));
      if (failed) {
        // The demo goes on without market data rather than stopping the other producers.
        options.log.error({ err: (failed as PromiseRejectedResult).reason }, 'market sample replay failed');
        return;
      }
      passes += 1;
    }
  })();
  return {
    passes: () => passes,
    async stop() {
      stopping = true;
      sink.stop();
      await loop;
      // What the adapters handed over before the stop still reaches Kafka.
      await sink.close();
    },
  };
}
