import { type MarketTopicKey, marketTopics } from '../../lib/contracts/market.js';
import type { ProduceOutcome } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import { sleep } from '../../lib/time.js';
import type { MarketMetrics } from './metrics.js';
import type { Emission } from './venue.js';
import { marketFields } from './venue-kit.js';

/** What the sink needs of a producer: `EventProducer` in service, anything alike in tests. */
export interface Producing {
  produce(spec: (typeof marketTopics)[MarketTopicKey], inputs: readonly unknown[]): Promise<ProduceOutcome>;
  deadLetter(
    spec: (typeof marketTopics)[MarketTopicKey],
    letters: ReadonlyArray<{ value: string; reason: string }>,
  ): Promise<void>;
}

/** Where venue adapters' output goes: a bounded buffer in front of Kafka, or nowhere (recording only). */
export interface Sink {
  offer(emission: Emission): boolean;
  offerDeadLetter(topic: MarketTopicKey, value: string, reason: string): boolean;
  /** Whether `headroom` more events fit now. */
  hasRoom(headroom: number): boolean;
  /** Resolves once there is room for `headroom` more events (replay waits here; live feeds drop). */
  whenWritable(headroom: number): Promise<void>;
  /** Resolves once everything offered so far is acknowledged by Kafka. */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly size: number;
}

type Item =
  | { dead: false; emission: Emission }
  | { dead: true; topic: MarketTopicKey; value: string; reason: string };

/** Room kept above capacity for integrity events, so the report of a drop is never itself dropped. */
const INTEGRITY_RESERVE = 1000;
const RETRY_BASE_MS = 200;
/** Retries of one batch logged as warnings before they are logged as errors. */
const RETRIES_BEFORE_ERROR = 3;
const RETRY_MAX_MS = 10_000;

/**
 * A bounded buffer between the venues and Kafka. Venues never wait: when Kafka is slower
 * than the feed and the buffer is full, new events are dropped, counted per venue and topic,
 * and once the buffer has drained to half a `market.integrity` event per venue and symbol
 * says how many were lost. Memory stays bounded by `capacity` events.
 * One batch at a time goes to Kafka and is retried until acknowledged (at-least-once;
 * a retried batch may land twice and collapses on event_id in ClickHouse).
 */
export class KafkaSink implements Sink {
  readonly #producer: Producing;
  readonly #capacity: number;
  readonly #batchMax: number;
  readonly #metrics: MarketMetrics;
  readonly #log: Logger;
  #queue: Item[] = [];
  #inFlight = 0;
  #running = true;
  #wake: (() => void) | undefined;
  #writable: Array<{ headroom: number; resolve: () => void }> = [];
  #idle: Array<() => void> = [];
  readonly #drops = new Map<string, { venue: string; source: string; symbol: string; count: number }>();
  readonly #pump: Promise<void>;

  constructor(options: {
    producer: Producing;
    capacity: number;
    batchMax: number;
    metrics: MarketMetrics;
    log: Logger;
  }) {
    this.#producer = options.producer;
    this.#capacity = options.capacity;
    this.#batchMax = options.batchMax;
    this.#metrics = options.metrics;
    this.#log = options.log;
    this.#pump = this.#run();
  }

  get size(): number {
    return this.#queue.length + this.#inFlight;
  }

  offer(emission: Emission): boolean {
    const limit = this.#capacity + (emission.topic === 'marketIntegrity' ? INTEGRITY_RESERVE : 0);
    const { venue, symbol, source } = emission.event;
    if (this.size >= limit || !this.#running) {
      this.#metrics.dropped.inc({ venue, topic: emission.topic });
      const key = `${venue}\u0000${symbol}`;
      const drop = this.#drops.get(key) ?? { venue, source, symbol, count: 0 };
      drop.count += 1;
      this.#drops.set(key, drop);
      return false;
    }
    this.#queue.push({ dead: false, emission });
    this.#metrics.events.inc({ venue, topic: emission.topic });
    this.#wakeUp();
    return true;
  }

  offerDeadLetter(topic: MarketTopicKey, value: string, reason: string): boolean {
    if (this.size >= this.#capacity || !this.#running) {
      this.#metrics.dropped.inc({ venue: 'unknown', topic: `${topic}.dlq` });
      return false;
    }
    this.#queue.push({ dead: true, topic, value, reason });
    this.#wakeUp();
    return true;
  }

  hasRoom(headroom: number): boolean {
    return this.size + headroom <= this.#capacity;
  }

  whenWritable(headroom: number): Promise<void> {
    if (this.hasRoom(headroom)) return Promise.resolve();
    return new Promise((resolve) => this.#writable.push({ headroom, resolve }));
  }

  flush(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.#running = false;
    this.#wakeUp();
    await this.#pump;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #run(): Promise<void> {
    for (;;) {
      if (this.#queue.length === 0) {
        for (const resolve of this.#idle.splice(0)) resolve();
        if (!this.#running) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      const batch = this.#queue.splice(0, this.#batchMax);
      this.#inFlight = batch.length;
      this.#metrics.buffered.set(this.size);
      await this.#send(batch);
      this.#inFlight = 0;
      this.#metrics.buffered.set(this.size);
      this.#reportDrops();
      this.#writable = this.#writable.filter((w) => {
        if (this.size + w.headroom > this.#capacity) return true;
        w.resolve();
        return false;
      });
    }
  }

  async #send(batch: Item[]): Promise<void> {
    const events = new Map<MarketTopicKey, unknown[]>();
    const letters = new Map<MarketTopicKey, Array<{ value: string; reason: string }>>();
    for (const item of batch) {
      if (item.dead) {
        const list = letters.get(item.topic) ?? [];
        list.push({ value: item.value, reason: item.reason });
        letters.set(item.topic, list);
      } else {
        const list = events.get(item.emission.topic) ?? [];
        list.push(item.emission.event);
        events.set(item.emission.topic, list);
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await Promise.all([
          ...[...events].map(async ([topic, inputs]) => {
            const outcome = await this.#producer.produce(marketTopics[topic], inputs);
            if (outcome.rejected.length > 0) this.#metrics.rejected.inc({ topic }, outcome.rejected.length);
          }),
          ...[...letters].map(([topic, list]) => this.#producer.deadLetter(marketTopics[topic], list)),
        ]);
        return;
      } catch (err) {
        for (const topic of events.keys()) this.#metrics.produceFailures.inc({ topic });
        const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
        // A batch retried is not lost: a warning at first, an error once it keeps failing.
        this.#log[attempt < RETRIES_BEFORE_ERROR ? 'warn' : 'error'](
          { err, delayMs: delay, events: batch.length, attempt: attempt + 1 },
          'Kafka did not take a batch; retrying it',
        );
        await sleep(delay);
      }
    }
  }

  /** Once the buffer has drained to half, says per venue and symbol how many events were lost. */
  #reportDrops(): void {
    if (this.#drops.size === 0 || this.size > this.#capacity / 2) return;
    const now = Date.now();
    for (const drop of this.#drops.values()) {
      this.offer({
        topic: 'marketIntegrity',
        event: {
          ...marketFields('market.integrity', drop.venue, drop.source, drop.symbol, now, now),
          kind: 'events_dropped',
          stream: 'connector-buffer',
          expected: '0 events dropped',
          got: `${drop.count} events dropped`,
          detail: `Kafka was slower than the venue and the bounded buffer (${this.#capacity} events) was full`,
        },
      });
      this.#metrics.integrity.inc({ venue: drop.venue, kind: 'events_dropped' });
    }
    this.#drops.clear();
  }
}

/** For recording without Kafka (and benchmarks): takes everything, keeps only the count. */
export class DiscardSink implements Sink {
  readonly size = 0;
  events = 0;
  offer(): boolean {
    this.events += 1;
    return true;
  }
  offerDeadLetter(): boolean {
    return true;
  }
  hasRoom(): boolean {
    return true;
  }
  whenWritable(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
