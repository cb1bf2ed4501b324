import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { setLogBridge } from './log-bridge.js';

/**
 * OpenTelemetry for a Tradewatch service: traces and logs over OTLP/HTTP to the collector
 * (otel-collector/config.yaml), which writes them to the ClickHouse that HyperDX reads.
 *
 * Enabled only when OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-specific variable) is set,
 * so tests, `make dev` and one-off commands pay nothing and never wait on an absent
 * collector. No auto-instrumentation: spans are made where the platform's work is (Kafka
 * produce/consume), which keeps start-up free of require hooks that ESM + tsx would need.
 */

export interface Telemetry {
  readonly enabled: boolean;
  /** Exports what is buffered now (tests, and before a planned exit). */
  flush(): Promise<void>;
  /** Flushes and stops exporting; later spans are dropped. */
  shutdown(): Promise<void>;
}

const disabled: Telemetry = { enabled: false, flush: async () => {}, shutdown: async () => {} };

let current: Telemetry | undefined;

/** Starts telemetry once per process; later calls return the first one's handle. */
export function startTelemetry(service: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  if (current) return current;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : undefined);
  const logsUrl = env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ?? (base ? `${base}/v1/logs` : undefined);
  if (!tracesUrl || env.OTEL_SDK_DISABLED === 'true') {
    current = disabled;
    return current;
  }
  const spans = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl }) });
  const logRecords = logsUrl
    ? new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: logsUrl }) })
    : undefined;
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? service,
    spanProcessors: [spans],
    ...(logRecords ? { logRecordProcessors: [logRecords] } : {}),
    // Metrics stay on each service's Prometheus /metrics endpoint; OTLP carries traces and logs.
    metricReaders: [],
  });
  sdk.start();
  if (logRecords) setLogBridge(true);
  current = {
    enabled: true,
    flush: async () => {
      await Promise.all([spans.forceFlush(), logRecords?.forceFlush()]);
    },
    shutdown: async () => {
      setLogBridge(false);
      await sdk.shutdown();
    },
  };
  return current;
}

/**
 * Exports what is buffered, waiting at most `timeoutMs`: called just before a service
 * exits so its last spans and log lines (the shutdown itself) are not lost.
 */
export async function flushTelemetry(timeoutMs = 3_000): Promise<void> {
  if (!current?.enabled) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([current.flush().catch(() => {}), deadline]);
  clearTimeout(timer);
}
