import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TradewatchError } from '../../lib/errors.js';
import { createKafka } from '../../lib/kafka/client.js';
import { testLog } from '../../test/pipeline-fixture.js';
import { startKafkaBroker } from './broker.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded Kafka broker', () => {
  const work = mkdtempSync(join(tmpdir(), 'tradewatch-broker-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('formats, starts, answers metadata, stops without leaving a JVM, and restarts on the same data', async () => {
    const dataDir = join(work, 'a');
    const broker = await startKafkaBroker({ dataDir, log: testLog });
    expect(existsSync(join(dataDir, 'log-dirs', 'meta.properties'))).toBe(true);

    const kafka = createKafka(
      { KAFKA_BROKERS: [broker.bootstrap], KAFKA_CLIENT_ID: 't', KAFKA_REQUEST_TIMEOUT_MS: 5000 },
      testLog,
    );
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 2 }], waitForLeaders: true });
    expect((await admin.describeCluster()).brokers).toHaveLength(1);
    await admin.disconnect();

    await broker.stop();
    expect(alive(broker.pid)).toBe(false);
    expect(readFileSync(broker.logFile, 'utf8')).toMatch(
      /shut down completed|Shutdown completed|shutting down/i,
    );

    const again = await startKafkaBroker({ dataDir, log: testLog });
    expect(again.bootstrap).toBe(broker.bootstrap);
    const admin2 = kafka.admin();
    await admin2.connect();
    expect(await admin2.listTopics()).toContain('kept');
    await admin2.disconnect();
    await again.stop();
    expect(alive(again.pid)).toBe(false);
  });

  it('fails with the cause from the broker log when it cannot start', async () => {
    // Someone else holds the port the broker must listen on.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    const address = squatter.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const error = await startKafkaBroker({
        dataDir: join(work, 'b'),
        port,
        log: testLog,
        startTimeoutMs: 60_000,
      }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TradewatchError);
      expect((error as TradewatchError).code).toBe('KAFKA_BROKER_START_FAILED');
      expect((error as Error).message).toMatch(/Address already in use/);
    } finally {
      squatter.close();
    }
  });
});
