import { messageOf } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import { createVenueContext } from '../connector.js';
import type { MarketMetrics } from '../metrics.js';
import type { Sink } from '../sink.js';
import type { VenueContext } from '../venue.js';
import { MonotonicIds, marketFields } from '../venue-kit.js';
import type { OpenInterestSource, Reply } from './sources.js';

/**
 * Polls one venue's open-interest endpoint for each symbol every `intervalMs` and publishes
 * `market.open_interest`. Symbols are asked one after another, never in a burst; a reply that
 * says we are over the venue's limit stops the round and holds every request to that venue
 * until the time it asked for (counted `rate_limited`, then `deferred` per skipped request).
 * A figure the venue has not updated since the last poll (same timestamp) is not published
 * again. A reply we cannot read is dead-lettered with the reason; a failed request is logged,
 * counted and tried at the next round.
 */

const REQUEST_TIMEOUT_MS = 10_000;

export interface PollerOptions {
  source: OpenInterestSource;
  symbols: readonly string[];
  restUrl: string;
  intervalMs: number;
  sink: Sink;
  metrics: MarketMetrics;
  log: Logger;
}

export class OpenInterestPoller {
  readonly #options: PollerOptions;
  readonly #ctx: VenueContext;
  readonly #times = new MonotonicIds();
  #notBefore = 0;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(options: PollerOptions) {
    this.#options = options;
    const log = options.log.child({ venue: options.source.venue.id, poller: 'open-interest' });
    this.#ctx = createVenueContext({
      venue: options.source.venue,
      sink: options.sink,
      metrics: options.metrics,
      log,
      fetchJson: () => Promise.reject(new Error('not used by the poller')),
    });
  }

  start(): void {
    const tick = () => {
      this.#round = this.pollOnce().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
  }

  /** One round over the symbols; resolves when it is done (or stopped by a limit). */
  async pollOnce(): Promise<void> {
    for (const symbol of this.#options.symbols) {
      if (this.#stopped) return;
      if (Date.now() < this.#notBefore) {
        this.#count('deferred');
        continue;
      }
      await this.#poll(symbol);
    }
  }

  async #poll(symbol: string): Promise<void> {
    const { source } = this.#options;
    const url = source.url(this.#options.restUrl, symbol);
    let reply: Reply;
    let text = '';
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      text = await response.text();
      reply = { status: response.status, headers: response.headers, body: parseOrText(text) };
    } catch (err) {
      this.#count('failed');
      this.#ctx.log.warn({ url, err: messageOf(err) }, 'open-interest request failed; next round retries');
      return;
    }
    const waitMs = source.backoff(reply, Date.now());
    const ok = reply.status >= 200 && reply.status < 300;
    if (waitMs !== undefined) {
      this.#notBefore = Date.now() + waitMs;
      this.#ctx.log.warn(
        { url, status: reply.status, waitMs },
        'open-interest: venue rate limit; holding requests',
      );
    }
    if (!ok || (waitMs !== undefined && typeof source.read(reply.body, symbol) === 'string')) {
      this.#count(waitMs !== undefined ? 'rate_limited' : 'failed');
      if (waitMs === undefined)
        this.#ctx.log.warn(
          { url, status: reply.status, body: text.slice(0, 200) },
          'open-interest: HTTP error',
        );
      return;
    }
    this.#publish(symbol, reply.body, text);
  }

  #publish(symbol: string, body: unknown, text: string): void {
    const reading = this.#options.source.read(body, symbol);
    if (typeof reading === 'string') {
      this.#count('failed');
      this.#ctx.reject(text, `open interest ${symbol}: ${reading}`, 'marketOpenInterest');
      return;
    }
    if (Number.isFinite(reading.time) && !this.#times.advance(symbol, reading.time)) {
      this.#count('unchanged');
      return;
    }
    const { id, source } = this.#options.source.venue;
    const published = this.#ctx.emit(
      {
        topic: 'marketOpenInterest',
        event: {
          ...marketFields('market.open_interest', id, source, symbol, reading.time, Date.now()),
          open_interest: reading.openInterest,
          ...(reading.value === undefined ? {} : { open_interest_value: reading.value }),
          via: 'rest',
        },
      },
      text,
    );
    this.#count(published ? 'published' : 'failed');
  }

  #count(outcome: string): void {
    this.#options.metrics.openInterestPolls.inc({ venue: this.#options.source.venue.id, outcome });
  }
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
