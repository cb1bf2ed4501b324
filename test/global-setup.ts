import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../lib/log.js';
import { type LocalStack, startLocalStack } from '../stack/local-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    /** The embedded host's generated password (clickhouse-secrets.json). */
    clickhousePassword: string;
    stackDir: string;
  }
}

let stack: LocalStack | undefined;
let dir: string | undefined;

/** One real broker and one embedded ClickHouse for the run, on ports the OS picks. */
export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tradewatch-test-'));
  const log = createLogger('test-stack', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
  stack = await startLocalStack({ dir, log });
  process.stderr.write(
    `test stack: Kafka ${stack.env.KAFKA_BROKERS} (ready in ${stack.kafka.startupMs} ms), ClickHouse ${stack.env.CLICKHOUSE_URL}, files in ${dir}\n`,
  );
  project.provide('kafkaBrokers', stack.env.KAFKA_BROKERS);
  project.provide('clickhouseUrl', stack.env.CLICKHOUSE_URL);
  project.provide('clickhousePassword', stack.env.CLICKHOUSE_PASSWORD);
  project.provide('stackDir', dir);
}

export async function teardown(): Promise<void> {
  await stack?.stop();
  // Keep the logs of a failed run for inspection; CI machines are thrown away anyway.
  if (dir && !process.env.KEEP_TEST_STACK) rmSync(dir, { recursive: true, force: true });
}
