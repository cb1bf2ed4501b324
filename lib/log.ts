import { type DestinationStream, type Logger, pino } from 'pino';
import { logBridgeEnabled, otelLogStream, traceIdsMixin } from './observability/log-bridge.js';

export type { Logger };

/**
 * Fields that carry credentials wherever a log call might put them (a request's headers, a
 * config object, a channel's settings): pino replaces them before a line is written.
 */
const secretFields = [
  'authorization',
  'cookie',
  'x-api-key',
  'x-tradewatch-signature',
  'password',
  'secret',
  'token',
  'bot_token',
  'api_key',
  'webhook_url',
  'CLICKHOUSE_PASSWORD',
  'SLACK_WEBHOOK_URL',
  'TELEGRAM_BOT_TOKEN',
  'ALERT_WEBHOOK_SECRET',
  'SENTIMENT_LLM_API_KEY',
];
const redactPaths = [
  ...secretFields.flatMap((f) => [`["${f}"]`, `*["${f}"]`]),
  ...['authorization', 'cookie', 'x-api-key', 'x-tradewatch-signature'].map((h) => `req.headers["${h}"]`),
  'req.query.key',
];

/** A Telegram bot URL embeds its token (…/bot<token>/sendMessage): never write it out whole. */
const TELEGRAM_TOKEN_IN_URL = /\/bot\d+:[A-Za-z0-9_-]+/g;
const scrubSecretsInText = (text: string): string => text.replace(TELEGRAM_TOKEN_IN_URL, '/bot[redacted]');

/**
 * Every service logs JSON lines through pino. `name` is the service or module; the level
 * comes from LOG_LEVEL so operators can turn up detail without a rebuild. Commands that
 * print a human status on stdout send their log to stderr (`destination: 2`).
 */
export function createLogger(
  name: string,
  options: { level?: string; destination?: 1 | 2 | DestinationStream } = {},
): Logger {
  const destination: DestinationStream =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ dest: options.destination ?? 1, sync: true });
  // With OpenTelemetry on (lib/observability/telemetry.ts), lines also go to the OTLP log
  // exporter and carry the active trace's ids; otherwise the logger is exactly as before.
  const traced = logBridgeEnabled();
  return pino(
    {
      name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      // Messages and error texts are free text, where a token can only be found by its shape.
      hooks: {
        streamWrite: scrubSecretsInText,
      },
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
