/**
 * One error type for the platform: a stable code, whether retrying can help, and the cause.
 * Bad data is not an error (it is a rejected outcome, see contracts/validate.ts); these are
 * for infrastructure and configuration failures.
 */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  KAFKA_BROKER_START_FAILED: 'KAFKA_BROKER_START_FAILED',
  KAFKA_JARS_MISSING: 'KAFKA_JARS_MISSING',
  KAFKA_PRODUCE_FAILED: 'KAFKA_PRODUCE_FAILED',
  KAFKA_TOPIC_SETUP_FAILED: 'KAFKA_TOPIC_SETUP_FAILED',
  CLICKHOUSE_START_FAILED: 'CLICKHOUSE_START_FAILED',
  CLICKHOUSE_QUERY_FAILED: 'CLICKHOUSE_QUERY_FAILED',
  MIGRATION_EDITED: 'MIGRATION_EDITED',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  MIGRATION_INVALID: 'MIGRATION_INVALID',
  TIMEOUT: 'TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class TradewatchError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TradewatchError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** The message of an unknown thrown value, for logs and wrapped errors. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
