import { Counter, Histogram, type Registry } from '../../lib/service/metrics.js';

/** What the collector counts: events by endpoint, type and outcome; requests by route and status. */
export function createCollectorMetrics(registry: Registry) {
  return {
    events: new Counter({
      name: 'tradewatch_collector_events_total',
      help: 'Events received over HTTP, by endpoint, event type and outcome (accepted or rejected)',
      labelNames: ['endpoint', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: 'tradewatch_collector_request_duration_seconds',
      help: 'HTTP request latency, from arrival to response, by route and status',
      labelNames: ['route', 'status'] as const,
      // Most batches return in a few ms plus Kafka's acknowledgement; the tail shows broker trouble.
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
