import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect } from 'node:net';
import { type ClickHouseClient, createClickHouse } from '../lib/clickhouse/client.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { messageOf } from '../lib/errors.js';
import { CliError, connectionErrorCode, ExitCode } from './exit-codes.js';

/**
 * Reaching the two services the CLI talks to. Commands check first, with a short timeout,
 * so "nothing listens" becomes exit code 3 and the fix in one line, not a client retrying
 * for half a minute and then a stack trace.
 */

let cached: Config | undefined;

/** The platform configuration, validated once (a bad value is a usage error, exit 2). */
export function cliConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

const CHECK_TIMEOUT_MS = 5_000;

/** Resolves when something accepts a TCP connection on host:port; rejects with the network error. */
export function tcpReachable(host: string, port: number, timeoutMs = CHECK_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The services `tradewatch stack up` starts, with the option that picks each one's port. */
const PORT_OPTIONS = { kafka: '--kafka-port', clickhouse: '--clickhouse-port' } as const;

/**
 * The fix when a port the stack would use is taken: start on ports the OS picks (0), whose
 * addresses `stack up` prints and writes to stack.env.
 */
export function freePortsFix(taken: ReadonlyArray<keyof typeof PORT_OPTIONS>): string {
  const flags = [...new Set(taken)].map((s) => `${PORT_OPTIONS[s]} 0`).join(' ');
  return `stop what holds the port, or start the stack on free ones: \`tradewatch stack up ${flags}\` (0: the OS picks; it prints the addresses and writes them to stack.env for KAFKA_BROKERS/CLICKHOUSE_URL)`;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

const reason = (err: unknown): string => {
  const cause = (err as { cause?: unknown }).cause;
  return connectionErrorCode(err) ?? (cause ? `${messageOf(err)}: ${messageOf(cause)}` : messageOf(err));
};

/** Fails with exit code 3 unless at least one bootstrap broker accepts connections. */
export async function requireBroker(config: Config): Promise<void> {
  const failures: string[] = [];
  for (const broker of config.KAFKA_BROKERS) {
    const { host, port } = splitHostPort(broker);
    try {
      await tcpReachable(host, port);
      return;
    } catch (err) {
      failures.push(`${broker} (${reason(err)})`);
    }
  }
  throw new CliError(
    ExitCode.UNREACHABLE,
    `Kafka broker at ${failures.join(', ')} is not answering. Start it with \`tradewatch stack up\` or set KAFKA_BROKERS.`,
  );
}

/**
 * Pings ClickHouse's HTTP interface; returns why it did not answer, or undefined when it did.
 * node:http rather than fetch: fetch refuses some ports outright ("bad port") and hides the
 * network error code this message is meant to show.
 */
export function pingClickHouse(url: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<string | undefined> {
  const target = new URL('/ping', url);
  const get = target.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve) => {
    const request = get(target, { timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () =>
        resolve(response.statusCode === 200 ? undefined : `HTTP ${response.statusCode} on /ping`),
      );
    });
    request.once('timeout', () =>
      request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    request.once('error', (err) => resolve(reason(err)));
  });
}

/** Fails with exit code 3 unless ClickHouse answers /ping. */
export async function requireClickHouse(config: Config): Promise<void> {
  const problem = await pingClickHouse(config.CLICKHOUSE_URL);
  if (problem !== undefined) {
    throw new CliError(
      ExitCode.UNREACHABLE,
      `ClickHouse at ${config.CLICKHOUSE_URL} is not answering (${problem}). Start it with \`tradewatch stack up\` or set CLICKHOUSE_URL.`,
    );
  }
}

/** A client on the platform database, after checking ClickHouse answers. */
export async function openClickHouse(config: Config = cliConfig()): Promise<ClickHouseClient> {
  await requireClickHouse(config);
  return createClickHouse({ ...config, database: config.CLICKHOUSE_DATABASE });
}

/**
 * A command group's client, opened on first use (so `--help` needs no ClickHouse) and closed
 * through `onClose` when the command is done.
 */
export function lazyClickHouse(
  onClose: (close: () => Promise<void>) => void,
): () => Promise<ClickHouseClient> {
  let client: Promise<ClickHouseClient> | undefined;
  return () => {
    if (!client) {
      client = openClickHouse();
      onClose(async () => (await client)?.close());
    }
    return client;
  };
}
