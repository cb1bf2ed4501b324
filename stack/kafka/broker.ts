import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';
import { createKafka } from '../../lib/kafka/client.js';
import type { Logger } from '../../lib/log.js';
import { waitFor } from '../../lib/time.js';
import { exited, stopChild } from '../child-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
/** Where `npm run setup:kafka` (Maven, stack/kafka/pom.xml) puts the broker's jars. */
export const KAFKA_LIB_DIR = join(repoRoot, '.kafka', 'lib');

export interface KafkaBroker {
  /** Bootstrap address for clients, host:port. */
  bootstrap: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Milliseconds from spawning the JVM until the broker answered a metadata request. */
  startupMs: number;
  /** Controlled shutdown (SIGTERM), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash would (fault-injection). */
  kill(): Promise<void>;
}

export interface KafkaBrokerOptions {
  /** Holds the log dirs, config, ports and logs; re-using it restarts the same broker. */
  dataDir: string;
  /** Client port; 0 (default) picks a free one, then keeps it for this dataDir. */
  port?: number;
  heapMb?: number;
  startTimeoutMs?: number;
  log: Logger;
}

/** Resolves the broker jars from Maven Central unless they are already there. */
export function ensureKafkaJars(log: Logger): string {
  const hasBroker = () =>
    existsSync(KAFKA_LIB_DIR) && readdirSync(KAFKA_LIB_DIR).some((f) => f.startsWith('kafka_2.13-'));
  if (hasBroker()) return KAFKA_LIB_DIR;
  log.info({ dir: KAFKA_LIB_DIR }, 'resolving Apache Kafka jars with Maven (first run only)');
  const mvn = spawnSync(
    'mvn',
    ['-B', '-q', '-f', join(here, 'pom.xml'), 'package', `-Dkafka.lib.dir=${KAFKA_LIB_DIR}`],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (mvn.error || mvn.status !== 0 || !hasBroker()) {
    const detail =
      mvn.error?.message ?? `${mvn.stdout}\n${mvn.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new TradewatchError(
      ErrorCode.KAFKA_JARS_MISSING,
      `could not resolve the Kafka broker jars with Maven (is 'mvn' on PATH and Maven Central reachable?):\n${detail}`,
      { cause: mvn.error },
    );
  }
  return KAFKA_LIB_DIR;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface BrokerLayout {
  port: number;
  controllerPort: number;
  clusterId: string;
}

/**
 * A Kafka cluster id: 16 random bytes in URL-safe base64 without padding. Like Kafka's own
 * Uuid.randomUuid, never one starting with '-', which the storage tool would read as an option.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Ports and cluster id are chosen once per data dir, so a restart is the same broker. */
async function layoutFor(dataDir: string, requestedPort: number): Promise<BrokerLayout> {
  const file = join(dataDir, 'layout.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BrokerLayout;
  const layout: BrokerLayout = {
    port: requestedPort || (await freePort()),
    controllerPort: await freePort(),
    clusterId: newClusterId(),
  };
  writeFileSync(file, JSON.stringify(layout));
  return layout;
}

function writeConfig(
  dataDir: string,
  layout: BrokerLayout,
): { properties: string; log4j: string; logFile: string } {
  const logDir = join(dataDir, 'log-dirs');
  const logFile = join(dataDir, 'broker.log');
  const properties = join(dataDir, 'server.properties');
  writeFileSync(
    properties,
    [
      '# Single-node KRaft: this process is both broker and controller.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${layout.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${layout.port},CONTROLLER://127.0.0.1:${layout.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${layout.port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${logDir}`,
      '# One node: internal topics cannot have more than one replica.',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=5',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      '# Topics are created by the platform with their partitions and retention (lib/kafka/topics.ts).',
      'auto.create.topics.enable=false',
      '# Consumers join at once instead of waiting 3 s for more members: a single-node stack.',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );
  const log4j = join(dataDir, 'log4j2.properties');
  writeFileSync(
    log4j,
    [
      'status = warn',
      'appender.file.type = File',
      'appender.file.name = file',
      `appender.file.fileName = ${logFile}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = info',
      'rootLogger.appenderRef.file.ref = file',
      '# Per-request and log-cleaner chatter drowns the lines that explain a failure.',
      'logger.request.name = kafka.request.logger',
      'logger.request.level = warn',
      'logger.cleaner.name = kafka.log.LogCleaner',
      'logger.cleaner.level = warn',
      '',
    ].join('\n'),
  );
  return { properties, log4j, logFile };
}

function java(libDir: string, args: string[], log4j: string, heapMb: number): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    `${libDir}/*`,
    ...args,
  ];
}

function tailOf(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no output)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** The broker's first error lines (exceptions without their stack frames): what a person needs. */
function causeOf(file: string): string {
  if (!existsSync(file)) return '(no log)';
  const lines = readFileSync(file, 'utf8').split('\n');
  const causes = lines.filter(
    (line) => / (ERROR|FATAL) /.test(line) || /^\S*(Exception|Error)\b.*:/.test(line),
  );
  return causes.length > 0 ? causes.slice(0, 6).join('\n') : '(no ERROR line; see the log)';
}

/** Kills a broker left running by an earlier, crashed run on the same data dir. */
function killStale(pidFile: string, dataDir: string, log: Logger): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('kafka.Kafka') && cmdline.includes(dataDir)) {
      log.warn({ pid }, 'killing a Kafka broker left over from an earlier run');
      process.kill(pid, 'SIGKILL');
    }
  } catch {
    // Not running any more (or no /proc): nothing to clean up.
  }
}

/**
 * Starts a real Apache Kafka broker (KRaft, single node) with the machine's Java: formats
 * the log dir on first use, starts the JVM on loopback, and resolves once the broker
 * answers a metadata request. The JVM gets SIGTERM if this process dies (setpriv's
 * parent-death signal), so no broker outlives the run that started it.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const { log } = options;
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const libDir = ensureKafkaJars(log);
  const heapMb = options.heapMb ?? 768;
  const layout = await layoutFor(dataDir, options.port ?? 0);
  const { properties, log4j, logFile } = writeConfig(dataDir, layout);
  const outFile = join(dataDir, 'broker.out');
  const pidFile = join(dataDir, 'broker.pid');
  killStale(pidFile, dataDir, log);

  if (!existsSync(join(dataDir, 'log-dirs', 'meta.properties'))) {
    const format = spawnSync(
      'java',
      java(
        libDir,
        ['kafka.tools.StorageTool', 'format', '-t', layout.clusterId, '-c', properties],
        log4j,
        256,
      ),
      { encoding: 'utf8' },
    );
    if (format.status !== 0) {
      throw new TradewatchError(
        ErrorCode.KAFKA_BROKER_START_FAILED,
        `formatting the Kafka log dir failed: ${format.error?.message ?? `${format.stdout}${format.stderr}`.trim()}`,
        { cause: format.error },
      );
    }
  }

  const out = openSync(outFile, 'a');
  const args = java(libDir, ['kafka.Kafka', properties], log4j, heapMb);
  const useSetpriv = existsSync('/usr/bin/setpriv');
  const started = Date.now();
  const child = useSetpriv
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', 'java', ...args], { stdio: ['ignore', out, out] })
    : spawn('java', args, { stdio: ['ignore', out, out] });
  if (child.pid === undefined) {
    throw new TradewatchError(
      ErrorCode.KAFKA_BROKER_START_FAILED,
      'could not spawn java: is a JDK 17+ on PATH?',
    );
  }
  writeFileSync(pidFile, String(child.pid));
  let exitedEarly = false;
  void exited(child).then(() => {
    exitedEarly = true;
  });

  const bootstrap = `127.0.0.1:${layout.port}`;
  const kafka = createKafka(
    { KAFKA_BROKERS: [bootstrap], KAFKA_CLIENT_ID: 'tradewatch-stack', KAFKA_REQUEST_TIMEOUT_MS: 5_000 },
    // Refused connections are expected until the JVM listens: poll quietly, without retries.
    log.child({}, { level: 'silent' }),
    { retries: 0 },
  );
  try {
    await waitFor(
      'the Kafka broker to answer a metadata request',
      async () => {
        const admin = kafka.admin();
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          return cluster.brokers.length > 0 ? cluster : undefined;
        } finally {
          await admin.disconnect();
        }
      },
      {
        timeoutMs: options.startTimeoutMs ?? 90_000,
        intervalMs: 200,
        giveUpIf: () => (exitedEarly ? 'the broker process exited' : undefined),
      },
    );
  } catch (err) {
    await stopChild(child, 1_000);
    throw new TradewatchError(
      ErrorCode.KAFKA_BROKER_START_FAILED,
      `the Kafka broker did not start (${exitedEarly ? 'it exited' : 'no answer'}). Cause, from its log:\n${causeOf(logFile)}\n--- last lines of ${logFile}\n${tailOf(logFile, 8)}\n--- ${outFile}\n${tailOf(outFile, 8)}`,
      { cause: err },
    );
  }
  const startupMs = Date.now() - started;
  log.info({ bootstrap, pid: child.pid, startupMs, logFile }, 'Kafka broker ready');
  return {
    bootstrap,
    pid: child.pid,
    dataDir,
    logFile,
    startupMs,
    stop: (graceMs = 30_000) => stopChild(child, graceMs),
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
