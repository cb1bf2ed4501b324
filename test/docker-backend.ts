import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import { parse } from 'yaml';
import { sleep } from '../lib/time.js';
import { freePort, noDockerEngine } from './docker-engine.js';

/**
 * `TEST_BACKEND=docker`: the integration suite against the images `make start` pins (the
 * compose files name them), started by testcontainers, instead of the embedded broker and
 * engine. Both run in the host's network on ports picked here, so the tests, and
 * ClickHouse's Kafka engine, reach the broker at the same 127.0.0.1 address the embedded
 * stack gives. Suites about the embedded host itself (its HTTP interface, its attack
 * surface) skip under this backend. Never run on the machine this was written on (no
 * Docker engine there): docs/testing.md says so.
 */

const root = resolve(import.meta.dirname, '..');

export interface DockerBackend {
  env: { KAFKA_BROKERS: string; CLICKHOUSE_URL: string; CLICKHOUSE_PASSWORD: string };
  stop(): Promise<void>;
}

const imageOf = (file: string, service: string): string => {
  const compose = parse(readFileSync(join(root, file), 'utf8')) as {
    services: Record<string, { image: string }>;
  };
  const image = compose.services[service]?.image;
  if (!image) throw new Error(`${file}: service ${service} names no image`);
  return image;
};

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > until)
      throw new Error(`TEST_BACKEND=docker: ${what} not ready after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

export async function startDockerBackend(dir: string): Promise<DockerBackend> {
  const reason = noDockerEngine();
  if (reason) throw new Error(`TEST_BACKEND=docker needs a Docker engine: ${reason}`);
  // Loaded only with an engine: testcontainers 12 needs Node >= 22.19 (the project's is 24).
  const { GenericContainer } = await import('testcontainers');
  const [kafkaPort, controllerPort, httpPort, tcpPort, interserverPort] = await Promise.all(
    Array.from({ length: 5 }, freePort),
  );
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
  };
  try {
    started.push(
      await new GenericContainer(imageOf('docker-compose.kafka.yml', 'kafka'))
        .withNetworkMode('host')
        .withEnvironment({
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_CONTROLLER_QUORUM_VOTERS: `1@127.0.0.1:${controllerPort}`,
          KAFKA_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort}`,
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .withStartupTimeout(180_000)
        .start(),
    );
    // The server's ports for the host network, and the Kafka consumer settings `make start` uses.
    const ports = join(dir, 'ports.xml');
    writeFileSync(
      ports,
      `<clickhouse><http_port>${httpPort}</http_port><tcp_port>${tcpPort}</tcp_port><interserver_http_port>${interserverPort}</interserver_http_port><listen_host>127.0.0.1</listen_host></clickhouse>\n`,
    );
    const password = randomBytes(18).toString('hex');
    started.push(
      await new GenericContainer(imageOf('docker-compose.clickhouse.yml', 'clickhouse'))
        .withNetworkMode('host')
        .withEnvironment({ CLICKHOUSE_PASSWORD: password, CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' })
        .withBindMounts([
          { source: ports, target: '/etc/clickhouse-server/config.d/ports.xml', mode: 'ro' },
          ...['kafka.xml', 'memory.xml'].map((file) => ({
            source: join(root, 'clickhouse/server/config.d', file),
            target: `/etc/clickhouse-server/config.d/${file}`,
            mode: 'ro' as const,
          })),
        ])
        .withStartupTimeout(180_000)
        .start(),
    );
    const url = `http://127.0.0.1:${httpPort}`;
    await waitFor('ClickHouse', async () => (await (await fetch(`${url}/ping`)).text()).startsWith('Ok'));
    await waitFor('Kafka', async () => {
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({ brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING }).admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } finally {
        await admin.disconnect();
      }
    });
    return {
      env: { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, CLICKHOUSE_URL: url, CLICKHOUSE_PASSWORD: password },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
