import {
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanAttributes,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * W3C trace context in Kafka message headers (`traceparent`, `tracestate`), so one trace
 * runs from the producer that made an event to whatever consumes it. Without a started SDK
 * the API's tracer and propagator are no-ops: no header is added and nothing is recorded.
 */

const tracer = () => trace.getTracer('tradewatch.kafka');

/** KafkaJS's header shape, written out so this module does not import kafkajs. */
export type KafkaHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

const headerGetter = {
  keys: (carrier: KafkaHeaders) => Object.keys(carrier),
  get: (carrier: KafkaHeaders, key: string) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** The trace context of `ctx` as Kafka headers; empty when tracing is off. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}

/** The context a message's headers carry (the root context when they carry none). */
export function contextFromHeaders(headers: KafkaHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

async function inSpan<T>(span: Span, ctx: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(ctx, span), () => fn(span));
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs `fn` in a PRODUCER span for a send to `topic`; `fn` gets the headers to put on each
 * message, which make that span the parent of every consumer's span.
 */
export function withProduceSpan<T>(
  topic: string,
  messageCount: number,
  fn: (headers: Record<string, string>, span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer().startSpan(`send ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.batch.message_count': messageCount,
    },
  });
  // traceHeaders() runs inside the span's context, so the headers name this span.
  return inSpan(span, context.active(), (s) => fn(traceHeaders(), s));
}

/**
 * Runs `fn` in a CONSUMER span whose parent is the producer's span named by the message's
 * headers, so the consumer's work (and every span it starts) joins the producer's trace.
 */
export function withConsumeSpan<T>(
  topic: string,
  message: { headers?: KafkaHeaders; partition?: number; offset?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = contextFromHeaders(message.headers);
  const span = tracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        ...(message.partition === undefined
          ? {}
          : { 'messaging.destination.partition.id': String(message.partition) }),
        ...(message.offset === undefined ? {} : { 'messaging.kafka.offset': Number(message.offset) }),
      },
    },
    parent,
  );
  return inSpan(span, parent, fn);
}

/**
 * The context a stored `traceparent` names: the header's value as ClickHouse kept it (a
 * fact's or an alert's `trace_parent` column, see migration 0120). The root context when
 * empty or malformed.
 */
export function contextFromTraceParent(traceParent: string | undefined): Context {
  return traceParent ? contextFromHeaders({ traceparent: traceParent }) : ROOT_CONTEXT;
}

/**
 * Runs `fn` in a span that continues the trace of the first non-empty stored traceparent
 * (a new trace when there is none); the other ones become links, so work done for several
 * events at once (a grouped notification) is reachable from each of their traces.
 */
export function withSpanFromTraceParents<T>(
  name: string,
  traceParents: readonly string[],
  options: { kind: SpanKind; attributes: SpanAttributes },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const contexts = [...new Set(traceParents.filter((t) => t.length > 0))]
    .map(contextFromTraceParent)
    .filter((c) => trace.getSpanContext(c) !== undefined);
  const parent = contexts[0] ?? ROOT_CONTEXT;
  const links: Link[] = contexts
    .slice(1)
    .map((c) => trace.getSpanContext(c))
    .filter((c): c is SpanContext => c !== undefined)
    .map((c) => ({ context: c }));
  const span = trace
    .getTracer('tradewatch')
    .startSpan(name, { kind: options.kind, attributes: options.attributes, links }, parent);
  return inSpan(span, parent, fn);
}
