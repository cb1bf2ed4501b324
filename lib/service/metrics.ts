import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * A Prometheus registry for one service, with Node's process metrics (memory, event-loop
 * lag, GC) and a `service` label on everything. Each service registers its own counters on
 * it and serves it at /metrics (ops-server.ts).
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'tradewatch_' });
  return registry;
}
