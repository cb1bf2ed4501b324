import { type DestinationStream, type Logger, pino } from 'pino';
import { logBridgeEnabled, otelLogStream, traceIdsMixin } from './observability/log-bridge.js';

export type { Logger };

/**
 * Every service logs JSON lines through pino. `name` is the service or module; the level
 * comes from LOG_LEVEL so operators can turn up detail without a rebuild. Commands that
 * print a human status on stdout send their log to stderr (`destination: 2`).
 */
export function createLogger(name: string, options: { level?: string; destination?: 1 | 2 } = {}): Logger {
  const destination: DestinationStream = pino.destination({ dest: options.destination ?? 1, sync: true });
  // With OpenTelemetry on (lib/observability/telemetry.ts), lines also go to the OTLP log
  // exporter and carry the active trace's ids; otherwise the logger is exactly as before.
  const traced = logBridgeEnabled();
  return pino(
    {
      name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(traced ? { mixin: traceIdsMixin } : {}),
    },
    traced
      ? pino.multistream([
          { level: 'trace', stream: destination },
          { level: 'trace', stream: otelLogStream },
        ])
      : destination,
  );
}
