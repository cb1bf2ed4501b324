import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../lib/log.js';
import { type LocalStack, startLocalStack } from '../stack/local-stack.js';
import { startDockerBackend } from './docker-backend.js';
import { dockerBackend } from './docker-engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
    /** The embedded host's generated password (clickhouse-secrets.json). */
    clickhousePassword: string;
    stackDir: string;
  }
}

let stack: Pick<LocalStack, 'env' | 'stop'> | undefined;
let dir: string | undefined;

/**
 * One real broker and one embedded ClickHouse for the run, on ports the OS picks; with
 * TEST_BACKEND=docker, the pinned apache/kafka and clickhouse-server images instead
 * (./docker-backend.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'tradewatch-test-'));
  const log = createLogger('test-stack', { destination: 2, level: process.env.LOG_LEVEL ?? 'warn' });
  const started = Date.now();
  stack = dockerBackend ? await startDockerBackend(dir) : await startLocalStack({ dir, log });
  process.stderr.write(
    `test stack (${dockerBackend ? 'docker' : 'embedded'}): Kafka ${stack.env.KAFKA_BROKERS}, ClickHouse ${stack.env.CLICKHOUSE_URL}, ready in ${Date.now() - started} ms, files in ${dir}\n`,
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
