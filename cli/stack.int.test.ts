import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { alive } from './stack.js';

/**
 * `tradewatch stack up|status|down` for real: a second broker and ClickHouse host in a
 * temp dir on ports the OS picks. Slow on a busy machine (JVM start and 28 migrations).
 */
const dir = mkdtempSync(join(tmpdir(), 'tradewatch-cli-stack-'));

afterAll(async () => {
  // Whatever the test got to, nothing it started is left running.
  await runCli(['stack', 'down', '--dir', dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('tradewatch stack', () => {
  it('starts the embedded stack in the background, reports it, and stops it cleanly', {
    timeout: 600_000,
  }, async () => {
    const up = await runCli(['stack', 'up', '--dir', dir, '--kafka-port', '0', '--clickhouse-port', '0']);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toMatch(/^Kafka: +127\.0\.0\.1:\d+$/m);
    const env = Object.fromEntries(
      readFileSync(join(dir, 'stack.env'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
    const pid = Number(readFileSync(join(dir, 'stack.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);

    const status = await runCli(['stack', 'status', '--dir', dir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Kafka:      ${env.KAFKA_BROKERS}  ok`);
    expect(status.stdout).toContain(`ClickHouse: ${env.CLICKHOUSE_URL}  ok`);
    // Ready means migrated: the CLI's own SQL sees the migration history.
    const sql = await runCli(['sql', '--format', 'csv', 'SELECT count() > 0 FROM schema_migrations'], env);
    expect(sql.stdout).toBe('"greater(count(), 0)"\n1\n');

    const down = await runCli(['stack', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'stack.pid'))).toBe(false);
    const after = await runCli(['stack', 'status', '--dir', dir]);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('stack down');
  });
});
