import { CommanderError } from 'commander';
import { messageOf, TradewatchError } from '../lib/errors.js';

/**
 * The exit codes scripts can rely on (also in `tradewatch --help` and docs/cli.md).
 * Anything thrown by a command ends up here and becomes one of them with a one- or
 * two-line message naming the cause and the fix.
 */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  UNREACHABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodesHelp = `Exit codes:
  0  success
  1  the operation failed (SQL error, a doctor check failed, a producer stopped with an error)
  2  usage error (unknown command or option, bad value, bad configuration)
  3  a service is unreachable (Kafka broker or ClickHouse not answering)`;

/** An error already phrased for the person at the terminal, with the exit code it means. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

/** The network error code (ECONNREFUSED…) anywhere in an error's cause chain, if any. */
export function connectionErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'KafkaJSConnectionError' || name === 'KafkaJSBrokerNotFound') return name;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps anything thrown to an exit code and the message to print. */
export function describeFailure(err: unknown): { exitCode: ExitCode; message: string } {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message };
  if (err instanceof CommanderError) {
    return { exitCode: err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE, message: err.message };
  }
  if (err instanceof TradewatchError && err.code === 'CONFIG_INVALID') {
    return {
      exitCode: ExitCode.USAGE,
      message: `${err.message}\nFix the variable(s) named above (see docs/cli.md, Configuration).`,
    };
  }
  const network = connectionErrorCode(err);
  if (network) {
    return {
      exitCode: ExitCode.UNREACHABLE,
      message: `a service stopped answering (${network}): ${messageOf(err)}\nCheck it with \`tradewatch doctor\`.`,
    };
  }
  return { exitCode: ExitCode.FAILED, message: messageOf(err) };
}
