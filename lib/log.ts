import { dirname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { type DestinationStream, type Logger, pino } from 'pino';
import { terminalStream } from './log-terminal.js';
import { logBridgeEnabled, otelLogStream, traceIdsMixin } from './observability/log-bridge.js';

export type { Logger };

/**
 * Fields that carry credentials wherever a log call might put them (a request's headers, a
 * config object, a channel's settings): pino replaces them before a line is written. Every
 * variable a service's settings mark `secret()` (lib/config/env.ts) must be here: lib/log.test.ts
 * checks each service's schema against this list.
 */
export const secretFields = [
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
  'CONSOLE_SLACK_SIGNING_SECRET',
  'CONSOLE_TELEGRAM_BOT_TOKEN',
  'CONSOLE_TELEGRAM_WEBHOOK_SECRET',
];
const redactPaths = [
  ...secretFields.flatMap((f) => [`["${f}"]`, `*["${f}"]`]),
  ...['authorization', 'cookie', 'x-api-key', 'x-tradewatch-signature'].map((h) => `req.headers["${h}"]`),
  'req.query.key',
];

/** A Telegram bot URL embeds its token (…/bot<token>/sendMessage): never write it out whole. */
const TELEGRAM_TOKEN_IN_URL = /\/bot\d+:[A-Za-z0-9_-]+/g;
const scrubSecretsInText = (text: string): string => text.replace(TELEGRAM_TOKEN_IN_URL, '/bot[redacted]');

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where a terminal's log file goes unless the caller names one: `.stack/logs/<name>.log`. */
export const defaultLogFile = (name: string): string => join(REPO_ROOT, '.stack', 'logs', `${name}.log`);

export interface LoggerOptions {
  level?: string;
  destination?: 1 | 2 | DestinationStream;
  /**
   * `json` (one JSON object a line) or `human` (a short line for a person, JSON kept in
   * `file`). Default: LOG_FORMAT, else `human` when the destination is a terminal.
   */
  format?: 'json' | 'human';
  /** The JSON log file in human format (default: defaultLogFile(name)). */
  file?: string;
  /** In human format, modules kept in the file only (default: KafkaJS's; log-terminal.ts). */
  offScreen?: readonly string[];
}

function formatOf(fd: 1 | 2 | undefined, asked: LoggerOptions['format']): 'json' | 'human' {
  if (asked) return asked;
  const env = process.env.LOG_FORMAT;
  if (env === 'json' || env === 'human') return env;
  return fd !== undefined && isatty(fd) ? 'human' : 'json';
}

function destinationOf(name: string, options: LoggerOptions): DestinationStream {
  const fd = typeof options.destination === 'object' ? undefined : (options.destination ?? 1);
  const given = typeof options.destination === 'object' ? options.destination : undefined;
  if (formatOf(fd, options.format) === 'json')
    return given ?? pino.destination({ dest: fd ?? 1, sync: true });
  return terminalStream({
    out: given ?? (fd === 2 ? process.stderr : process.stdout),
    file: options.file ?? process.env.LOG_FILE ?? defaultLogFile(name),
    color: fd !== undefined && isatty(fd) && process.env.NO_COLOR === undefined,
    ...(options.offScreen ? { offScreen: options.offScreen } : {}),
  });
}

/**
 * Every service logs JSON lines through pino. `name` is the service or module; the level
 * comes from LOG_LEVEL so operators can turn up detail without a rebuild. Commands that
 * print a human status on stdout send their log to stderr (`destination: 2`). On a
 * terminal the lines are for a person (lib/log-terminal.ts) and the JSON goes to a file;
 * redirected or piped, the output is JSON as always.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const destination = destinationOf(name, options);
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
