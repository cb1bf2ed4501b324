import { Counter, Gauge, type Registry } from '../../lib/service/metrics.js';

/** The connector's Prometheus metrics; labels are bounded (venue, topic, kind, reason). */
export class MarketMetrics {
  readonly frames: Counter<'venue'>;
  readonly events: Counter<'venue' | 'topic'>;
  readonly malformed: Counter<'venue'>;
  readonly integrity: Counter<'venue' | 'kind'>;
  readonly resyncs: Counter<'venue'>;
  readonly reconnects: Counter<'venue' | 'reason'>;
  readonly dropped: Counter<'venue' | 'topic'>;
  readonly duplicates: Counter<'venue'>;
  readonly openInterestPolls: Counter<'venue' | 'outcome'>;
  readonly rejected: Counter<'topic'>;
  readonly produceFailures: Counter<'topic'>;
  readonly buffered: Gauge;
  readonly connected: Gauge<'venue'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.frames = new Counter({
      name: 'tradewatch_market_frames_total',
      help: 'venue frames read',
      labelNames: ['venue'],
      registers,
    });
    this.events = new Counter({
      name: 'tradewatch_market_events_total',
      help: 'normalised events accepted into the buffer',
      labelNames: ['venue', 'topic'],
      registers,
    });
    this.malformed = new Counter({
      name: 'tradewatch_market_malformed_frames_total',
      help: 'frames that could not be read or broke the contract; dead-lettered',
      labelNames: ['venue'],
      registers,
    });
    this.integrity = new Counter({
      name: 'tradewatch_market_integrity_events_total',
      help: 'market.integrity events raised',
      labelNames: ['venue', 'kind'],
      registers,
    });
    this.resyncs = new Counter({
      name: 'tradewatch_market_book_resyncs_total',
      help: 'order books resynchronised after a break',
      labelNames: ['venue'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'tradewatch_market_reconnects_total',
      help: 'connections replaced, by reason (closed, stale, planned)',
      labelNames: ['venue', 'reason'],
      registers,
    });
    this.dropped = new Counter({
      name: 'tradewatch_market_dropped_events_total',
      help: 'events dropped because the bounded buffer was full (Kafka slower than the venue)',
      labelNames: ['venue', 'topic'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'tradewatch_market_duplicate_events_total',
      help: 'events seen twice (overlapping connections) and published once',
      labelNames: ['venue'],
      registers,
    });
    this.openInterestPolls = new Counter({
      name: 'tradewatch_market_open_interest_polls_total',
      help: 'open-interest REST polls by outcome: published, unchanged, rate_limited, deferred (waiting out a limit), failed',
      labelNames: ['venue', 'outcome'],
      registers,
    });
    this.rejected = new Counter({
      name: 'tradewatch_market_rejected_events_total',
      help: 'events refused by their contract at the producer (on <topic>.dlq)',
      labelNames: ['topic'],
      registers,
    });
    this.produceFailures = new Counter({
      name: 'tradewatch_market_produce_failures_total',
      help: 'batches Kafka did not acknowledge (retried)',
      labelNames: ['topic'],
      registers,
    });
    this.buffered = new Gauge({
      name: 'tradewatch_market_buffered_events',
      help: 'events waiting for Kafka',
      registers,
    });
    this.connected = new Gauge({
      name: 'tradewatch_market_connections_open',
      help: 'open venue connections',
      labelNames: ['venue'],
      registers,
    });
  }
}

/** The current value of a counter or gauge for `labels` (0 when never touched), for tests and status lines. */
export async function metricValue(
  metric: Counter<string> | Gauge<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}
