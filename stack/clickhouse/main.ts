/**
 * The embedded ClickHouse host: opens the chDB engine on one data directory, optionally
 * applies the migrations, and serves ClickHouse's HTTP interface on loopback. Every other
 * process reaches it through CLICKHOUSE_URL exactly as it would a ClickHouse server.
 *
 * Prints one JSON log line with `"msg":"listening"` and the `url` once it accepts queries.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { openEmbeddedClickHouse } from '../../lib/clickhouse/embedded.js';
import { createLogger } from '../../lib/log.js';
import { exitWhenOrphaned } from '../parent-watch.js';
import { loadHostSecrets } from './host-secrets.js';
import { startHttpInterface } from './http-interface.js';

const hostConfigSchema = z.object({
  CLICKHOUSE_DATA_DIR: z.string().min(1).default('.stack/clickhouse'),
  CLICKHOUSE_HTTP_HOST: z.string().default('127.0.0.1'),
  /** 0 lets the OS pick a free port (tests); `npm run stack` uses 8123 like a server. */
  CLICKHOUSE_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8123),
  CLICKHOUSE_USER: z.string().min(1).default('default'),
  /** Empty: a random one is generated on first start and kept in clickhouse-secrets.json. */
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /**
   * Engine sessions serving HTTP requests side by side (each runs one request at a time).
   * chDB runs a query on a libuv pool thread (4 by default), so more than 3 would leave
   * nothing for the process's own file and DNS work while all of them are busy.
   */
  CLICKHOUSE_HTTP_SESSIONS: z.coerce.number().int().min(1).max(3).default(3),
  CLICKHOUSE_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
});

async function main(): Promise<void> {
  const log = createLogger('clickhouse-host');
  const parsed = hostConfigSchema.safeParse(process.env);
  if (!parsed.success) {
    log.fatal({ issues: parsed.error.issues }, `invalid configuration: ${z.prettifyError(parsed.error)}`);
    process.exit(2);
  }
  const config = parsed.data;
  const dataDir = resolve(config.CLICKHOUSE_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  if (!isLoopback(config.CLICKHOUSE_HTTP_HOST) && config.CLICKHOUSE_PASSWORD.length < 16) {
    log.fatal(
      { host: config.CLICKHOUSE_HTTP_HOST },
      `CLICKHOUSE_HTTP_HOST=${config.CLICKHOUSE_HTTP_HOST} is beyond loopback: set CLICKHOUSE_PASSWORD (16+ characters) first`,
    );
    process.exit(2);
  }
  const secrets = loadHostSecrets(dataDir, config.CLICKHOUSE_PASSWORD);
  const engine = openEmbeddedClickHouse(dataDir);
  const version = await engine.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const [{ v: serverVersion } = { v: 'unknown' }] = await version.json<{ v: string }>();

  const http = await startHttpInterface({
    sessions: [
      engine.client,
      ...Array.from({ length: config.CLICKHOUSE_HTTP_SESSIONS - 1 }, () => engine.openSession()),
    ],
    serverVersion,
    host: config.CLICKHOUSE_HTTP_HOST,
    port: config.CLICKHOUSE_HTTP_PORT,
    users: [
      { name: config.CLICKHOUSE_USER, password: secrets.password, caller: 'owner' },
      { name: 'analyst', password: secrets.analystPassword, caller: 'reader' },
    ],
    maxBodyBytes: config.CLICKHOUSE_MAX_BODY_BYTES,
    log,
  });
  // The parent waits for this line (host-process.ts), so it is written whatever LOG_LEVEL says.
  log
    .child({}, { level: 'info' })
    .info({ url: http.url, dataDir, version: serverVersion, pid: process.pid }, 'listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, ...http.stats() }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    void (async () => {
      await http.close();
      // Closing the engine stops its Kafka consumers after their current block.
      await engine.close();
      log.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  exitWhenOrphaned(() => shutdown('parent exited'));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

main().catch((err: unknown) => {
  createLogger('clickhouse-host').fatal({ err }, 'ClickHouse host failed to start');
  process.exit(1);
});
