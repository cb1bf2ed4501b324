import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/**
 * A port the stack would use, held by something that is neither Kafka nor ClickHouse: a
 * listener that hangs up on every connection, as an unrelated service on 9092/8123 would.
 * `stack up` refuses before starting anything and `doctor` fails its ports check, both
 * naming `--kafka-port 0` / `--clickhouse-port 0`.
 */
const servers: Server[] = [];
const hangUp = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

let kafkaPort: number;
let clickhousePort: number;
const dir = mkdtempSync(join(tmpdir(), 'tradewatch-ports-'));

beforeAll(async () => {
  [kafkaPort, clickhousePort] = await Promise.all([hangUp(), hangUp()]);
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a port the stack needs is taken', () => {
  it('stack up says which and how to start on free ports, and starts nothing', async () => {
    const run = await runCli([
      'stack',
      'up',
      '--dir',
      dir,
      '--kafka-port',
      String(kafkaPort),
      '--clickhouse-port',
      String(clickhousePort),
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `port ${kafkaPort} (Kafka) and port ${clickhousePort} (ClickHouse) already in use`,
    );
    expect(run.stderr).toContain('`tradewatch stack up --kafka-port 0 --clickhouse-port 0`');
    expect(readdirSync(dir)).toEqual([]);

    const one = await runCli(['stack', 'up', '--dir', dir, '--kafka-port', String(kafkaPort)]);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain('`tradewatch stack up --kafka-port 0`');
  });

  it('doctor fails the ports check with the same fix', async () => {
    const run = await runCli(['doctor'], {
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      CLICKHOUSE_URL: `http://127.0.0.1:${clickhousePort}`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^FAIL +ports .*127\\.0\\.0\\.1:${kafkaPort}, 127\\.0\\.0\\.1:${clickhousePort} answer but not as kafka/clickhouse`,
        'm',
      ),
    );
    expect(run.stdout).toContain(
      'fix: stop what holds the port, or start the stack on free ones: `tradewatch stack up --kafka-port 0 --clickhouse-port 0`',
    );
  });
});
