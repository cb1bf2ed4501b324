// Since OpenTelemetry JS 3.x (packages 0.30x) the logs API is part of @opentelemetry/api,
// the same global the SDK's logger provider registers with.
import { logs, SeverityNumber, trace } from '@opentelemetry/api';

/**
 * Forwards pino's JSON lines to the OpenTelemetry logs API, so a service's log reaches
 * HyperDX beside its traces. pino keeps writing stdout as before; this is a second stream
 * that lib/log.ts adds only while telemetry exports logs.
 */

let enabled = false;

export function setLogBridge(on: boolean): void {
  enabled = on;
}

export function logBridgeEnabled(): boolean {
  return enabled;
}

const severities: Record<number, [SeverityNumber, string]> = {
  10: [SeverityNumber.TRACE, 'TRACE'],
  20: [SeverityNumber.DEBUG, 'DEBUG'],
  30: [SeverityNumber.INFO, 'INFO'],
  40: [SeverityNumber.WARN, 'WARN'],
  50: [SeverityNumber.ERROR, 'ERROR'],
  60: [SeverityNumber.FATAL, 'FATAL'],
};

type AttributeValue = string | number | boolean;

/** OTel attributes are flat primitives; nested objects (err, kafkajs) travel as JSON text. */
function attributesOf(record: Record<string, unknown>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    out[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  return out;
}

/** A pino destination stream: one JSON line per write. */
export const otelLogStream = {
  write(line: string): void {
    if (!enabled) return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time, name, pid: _pid, hostname: _hostname, ...rest } = record;
    const [severityNumber, severityText] = severities[Number(level)] ?? [SeverityNumber.INFO, 'INFO'];
    logs.getLogger(typeof name === 'string' ? name : 'tradewatch').emit({
      severityNumber,
      severityText,
      body: typeof msg === 'string' ? msg : '',
      timestamp: typeof time === 'string' ? new Date(time) : new Date(),
      attributes: attributesOf(rest),
    });
  },
};

/** pino mixin: the active span's ids on every line, so stdout logs join traces too. */
export function traceIdsMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
