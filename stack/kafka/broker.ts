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
  /** This node's place in a cluster (startKafkaCluster); a single node when absent. */
  member?: ClusterMember;
}

/** A node of a KRaft cluster in which every node is both broker and controller. */
export interface ClusterMember {
  nodeId: number;
  /** How many nodes the cluster has: it decides the replication of topics. */
  size: number;
  /** `controller.quorum.voters`: id@host:controllerPort of every node. */
  voters: string;
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

/**
 * Replication for a cluster of `size` nodes: three copies of every partition once there are
 * three nodes, and a write acknowledged (acks=all) only when two of them have it, so losing
 * any one broker loses no acknowledged event and does not stop writes. Fewer nodes keep what
 * they can (one node: one copy).
 */
export function replicationFor(size: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = Math.min(3, size);
  return { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : 1 };
}

function writeConfig(
  dataDir: string,
  layout: BrokerLayout,
  member: ClusterMember = { nodeId: 1, size: 1, voters: `1@127.0.0.1:${layout.controllerPort}` },
): { properties: string; log4j: string; logFile: string } {
  const { replicationFactor: rf, minInsyncReplicas: minIsr } = replicationFor(member.size);
  const logDir = join(dataDir, 'log-dirs');
  const logFile = join(dataDir, 'broker.log');
  const properties = join(dataDir, 'server.properties');
  writeFileSync(
    properties,
    [
      '# KRaft: this process is both broker and controller (of a quorum of one, or of the cluster).',
      'process.roles=broker,controller',
      `node.id=${member.nodeId}`,
      `controller.quorum.voters=${member.voters}`,
      `listeners=PLAINTEXT://127.0.0.1:${layout.port},CONTROLLER://127.0.0.1:${layout.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${layout.port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${logDir}`,
      `# ${member.size} node(s): every topic, internal ones included, gets ${rf} replica(s); acks=all waits for ${minIsr}.`,
      `default.replication.factor=${rf}`,
      `min.insync.replicas=${minIsr}`,
      'unclean.leader.election.enable=false',
      '# Nodes of a cluster start together; on a busy machine the quorum may take minutes to form.',
      'initial.broker.registration.timeout.ms=300000',
      `offsets.topic.replication.factor=${rf}`,
      'offsets.topic.num.partitions=5',
      `transaction.state.log.replication.factor=${rf}`,
      `transaction.state.log.min.isr=${minIsr}`,
      `share.coordinator.state.topic.replication.factor=${rf}`,
      `share.coordinator.state.topic.min.isr=${minIsr}`,
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
  const { properties, log4j, logFile } = writeConfig(dataDir, layout, options.member);
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
          // A cluster's node counts once it is registered (the quorum has elected a leader).
          const id = options.member?.nodeId;
          return cluster.brokers.some((b) => id === undefined || b.nodeId === id) ? cluster : undefined;
        } finally {
          await admin.disconnect();
        }
      },
      {
        // Generous: with four suites and a soak on two cores, a JVM broker took over 90 s to answer.
        timeoutMs: options.startTimeoutMs ?? 300_000,
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

export interface KafkaCluster {
  /** Every node's client address, comma-separated (KAFKA_BROKERS). */
  bootstrap: string;
  /** The running node with this id (1…size). */
  node(nodeId: number): KafkaBroker;
  size: number;
  /** SIGKILL one node, as a crash would. */
  kill(nodeId: number): Promise<void>;
  /** Start one node again on its data dir and ports. */
  restart(nodeId: number): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * `size` real Kafka brokers on loopback, one JVM each, forming one KRaft cluster (every node
 * a broker and a controller voter), each under `<dataDir>/node-<id>`. Ports and the cluster id
 * are chosen once per dataDir, so a restarted node is the same node. Nodes start together:
 * none answers until a majority of the quorum runs.
 */
export async function startKafkaCluster(options: {
  dataDir: string;
  size: number;
  heapMb?: number;
  log: Logger;
}): Promise<KafkaCluster> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const ids = Array.from({ length: options.size }, (_, i) => i + 1);
  const layouts = new Map<number, BrokerLayout>();
  const clusterFile = join(dataDir, 'cluster.json');
  const clusterId = existsSync(clusterFile)
    ? (JSON.parse(readFileSync(clusterFile, 'utf8')) as { clusterId: string }).clusterId
    : newClusterId();
  writeFileSync(clusterFile, JSON.stringify({ clusterId }));
  for (const id of ids) {
    const dir = join(dataDir, `node-${id}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'layout.json');
    if (!existsSync(file)) {
      writeFileSync(
        file,
        JSON.stringify({ port: await freePort(), controllerPort: await freePort(), clusterId }),
      );
    }
    layouts.set(id, JSON.parse(readFileSync(file, 'utf8')) as BrokerLayout);
  }
  const voters = ids.map((id) => `${id}@127.0.0.1:${layouts.get(id)?.controllerPort}`).join(',');
  const startNode = (nodeId: number) =>
    startKafkaBroker({
      dataDir: join(dataDir, `node-${nodeId}`),
      heapMb: options.heapMb,
      log: options.log.child({ kafkaNode: nodeId }),
      member: { nodeId, size: options.size, voters },
      // Every node replicates every partition: a restarted one loads them all before it answers.
      startTimeoutMs: 420_000,
    });
  const started = await Promise.allSettled(ids.map(startNode));
  const nodes = new Map<number, KafkaBroker>();
  for (const [i, outcome] of started.entries())
    if (outcome.status === 'fulfilled') nodes.set(i + 1, outcome.value);
  const failed = started.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await Promise.all([...nodes.values()].map((n) => n.stop(5_000)));
    throw failed.reason;
  }
  const node = (nodeId: number): KafkaBroker => {
    const found = nodes.get(nodeId);
    if (!found) throw new Error(`no Kafka node ${nodeId} in a cluster of ${options.size}`);
    return found;
  };
  return {
    bootstrap: ids.map((id) => `127.0.0.1:${layouts.get(id)?.port}`).join(','),
    size: options.size,
    node,
    kill: (nodeId) => node(nodeId).kill(),
    restart: async (nodeId) => {
      nodes.set(nodeId, await startNode(nodeId));
    },
    stop: async (graceMs = 30_000) => {
      await Promise.all([...nodes.values()].map((n) => n.stop(graceMs)));
    },
  };
}
