import { describe, expect, it } from 'vitest';
import { contextFromHeaders, traceHeaders, withProduceSpan } from './kafka-context.js';
import { startTelemetry } from './telemetry.js';

/** With no OTLP endpoint configured, tracing costs nothing and changes no message. */
describe('telemetry off', () => {
  it('stays disabled without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(startTelemetry('off-test', {}).enabled).toBe(false);
  });

  it('adds no Kafka header and runs the send as before', async () => {
    expect(traceHeaders()).toEqual({});
    const seen = await withProduceSpan('market.trades', 3, async (headers) => headers);
    expect(seen).toEqual({});
  });

  it('reads headers without a trace context as the root context', () => {
    expect(() => contextFromHeaders({ 'dlq-reason': Buffer.from('x') })).not.toThrow();
    expect(() => contextFromHeaders(undefined)).not.toThrow();
  });
});
