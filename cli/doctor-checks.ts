import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { loadNotifierEnv, loadRouting } from '../alerting/config.js';
import { loadBaseline, retiredMigrations } from '../lib/clickhouse/baseline.js';
import { createClickHouse, queryRows } from '../lib/clickhouse/client.js';
import { loadMigrations } from '../lib/clickhouse/migration-files.js';
import { verifyHistory } from '../lib/clickhouse/migrations.js';
import { BASELINE_DIR, MIGRATIONS_DIR } from '../lib/clickhouse/platform-migrations.js';
import { type Config, loadConfig } from '../lib/config/config.js';
import { messageOf, TradewatchError } from '../lib/errors.js';
import { createKafka } from '../lib/kafka/client.js';
import { createLogger } from '../lib/log.js';
import { KAFKA_LIB_DIR } from '../stack/kafka/broker.js';
import { freePortsFix, pingClickHouse, splitHostPort, tcpReachable } from './services.js';

/** One line of `tradewatch doctor`: what was checked, what was found, and the fix when it failed. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const ok = (name: string, detail: string): CheckResult => ({ name, ok: true, detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix });

export function checkConfig(env: NodeJS.ProcessEnv): { result: CheckResult; config?: Config } {
  try {
    const config = loadConfig(env);
    return { result: ok('configuration', 'environment variables valid'), config };
  } catch (err) {
    return { result: fail('configuration', messageOf(err), 'fix the variable named above (docs/cli.md)') };
  }
}

export function checkJava(): CheckResult {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error)
    return fail(
      'java',
      'java is not on PATH',
      'install a JDK 17 or newer (needed by the embedded Kafka broker)',
    );
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${java.stderr}${java.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  return major >= 17
    ? ok('java', `Java ${major}`)
    : fail(
        'java',
        `Java ${major || '(version unreadable)'} found`,
        'install a JDK 17 or newer and put it first on PATH',
      );
}

export function checkKafkaJars(): CheckResult {
  const jars = existsSync(KAFKA_LIB_DIR) ? readdirSync(KAFKA_LIB_DIR) : [];
  const broker = jars.find((f) => f.startsWith('kafka_2.13-'));
  if (broker) return ok('kafka jars', `${broker} and ${jars.length - 1} more in ${KAFKA_LIB_DIR}`);
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  return fail(
    'kafka jars',
    `no broker jars in ${KAFKA_LIB_DIR}${mvn.error ? ' and Maven (mvn) is not on PATH' : ''}`,
    mvn.error ? 'install Maven, then run `make install`' : 'run `make install` (Maven fetches them once)',
  );
}

/** Who holds the ports the configuration points at: only a listener that is not the service is a problem. */
export async function checkPorts(
  config: Config,
  services: { kafka: boolean; clickhouse: boolean },
): Promise<CheckResult> {
  const url = new URL(config.CLICKHOUSE_URL);
  const targets = [
    ...config.KAFKA_BROKERS.map((b) => ({ service: 'kafka' as const, ...splitHostPort(b) })),
    {
      service: 'clickhouse' as const,
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    },
  ];
  const states = await Promise.all(
    targets.map(async (t) => ({
      ...t,
      used: await tcpReachable(t.host, t.port, 2_000).then(
        () => true,
        () => false,
      ),
    })),
  );
  const detail = states.map((s) => `${s.host}:${s.port} ${s.used ? 'in use' : 'free'}`).join(', ');
  const foreign = states.filter((s) => s.used && !services[s.service]);
  return foreign.length === 0
    ? ok('ports', detail)
    : fail(
        'ports',
        `${detail}; ${foreign.map((s) => `${s.host}:${s.port}`).join(', ')} answer but not as ${foreign.map((s) => s.service).join('/')}`,
        freePortsFix(foreign.map((s) => s.service)),
      );
}

export async function checkBroker(config: Config): Promise<CheckResult> {
  const log = createLogger('doctor', { destination: 2, level: 'fatal' });
  const admin = createKafka({ ...config, KAFKA_REQUEST_TIMEOUT_MS: 5_000 }, log, { retries: 0 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return ok(
      'kafka broker',
      `${config.KAFKA_BROKERS.join(',')} answers (${cluster.brokers.length} broker(s), cluster ${cluster.clusterId})`,
    );
  } catch (err) {
    return fail(
      'kafka broker',
      `${config.KAFKA_BROKERS.join(',')} is not answering (${messageOf(err)})`,
      'start it with `tradewatch stack up`, or set KAFKA_BROKERS',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function checkClickHouse(config: Config): Promise<CheckResult> {
  const problem = await pingClickHouse(config.CLICKHOUSE_URL);
  if (problem !== undefined)
    return fail(
      'clickhouse',
      `${config.CLICKHOUSE_URL} is not answering (${problem})`,
      'start it with `tradewatch stack up`, or set CLICKHOUSE_URL',
    );
  const client = createClickHouse(config);
  try {
    const [row] = await queryRows<{ v: string }>(client, 'SELECT version() AS v');
    return ok('clickhouse', `${config.CLICKHOUSE_URL} answers (ClickHouse ${row?.v})`);
  } catch (err) {
    return fail(
      'clickhouse',
      `${config.CLICKHOUSE_URL} refused a query: ${messageOf(err)}`,
      'check CLICKHOUSE_USER / CLICKHOUSE_PASSWORD',
    );
  } finally {
    await client.close();
  }
}

/** Every migration file applied, and none edited since (the checksums in schema_migrations). */
export async function checkMigrations(config: Config): Promise<CheckResult> {
  const name = 'migrations';
  const files = loadMigrations(MIGRATIONS_DIR);
  const client = createClickHouse(config);
  try {
    const [exists] = await queryRows<{ n: string }>(
      client,
      `SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = 'schema_migrations'`,
      { db: config.CLICKHOUSE_DATABASE },
    );
    if (Number(exists?.n) === 0)
      return fail(
        name,
        `database ${config.CLICKHOUSE_DATABASE} has no migrations applied`,
        'run `tradewatch migrate`',
      );
    const applied = new Map(
      (
        await queryRows<{ version: number; name: string; checksum: string }>(
          client,
          `SELECT version, name, checksum FROM ${config.CLICKHOUSE_DATABASE}.schema_migrations`,
        )
      ).map((r) => [Number(r.version), r]),
    );
    try {
      // The runner's own guard: edited, vanished, or a history the folder cannot continue.
      verifyHistory(files, applied, retiredMigrations(loadBaseline(BASELINE_DIR)));
    } catch (err) {
      return fail(
        name,
        messageOf(err),
        err instanceof TradewatchError && err.code === 'MIGRATION_EDITED'
          ? 'revert the edit (git checkout the file) and put the change in a new migration file'
          : 'restore the migration files this database applied (git checkout them)',
      );
    }
    const pending = files.filter((f) => !applied.has(f.version));
    if (pending.length > 0)
      return fail(
        name,
        `${pending.length} not applied yet (${pending.map((f) => f.file).join(', ')})`,
        'run `tradewatch migrate`',
      );
    return ok(name, `${applied.size} applied to ${config.CLICKHOUSE_DATABASE}, none edited`);
  } catch (err) {
    return fail(
      name,
      `could not read ${config.CLICKHOUSE_DATABASE}.schema_migrations: ${messageOf(err)}`,
      'fix ClickHouse first (see above)',
    );
  } finally {
    await client.close();
  }
}

export function checkChannels(env: NodeJS.ProcessEnv): CheckResult {
  try {
    const file = loadNotifierEnv(env).ALERTING_CONFIG_FILE;
    const routing = loadRouting(file, env);
    return ok(
      'alert channels',
      `${file}: ${Object.keys(routing.channels).length} channel(s), ${routing.routes.length} route(s)`,
    );
  } catch (err) {
    return fail(
      'alert channels',
      messageOf(err),
      'fix the routing file or set the variables it names (docs/alerting.md)',
    );
  }
}
