import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../lib/log.js';
import { machineLine } from '../../lib/machine.js';
import { ensureKafkaJars } from '../../stack/kafka/broker.js';
import { readResults, resultsTable } from './results.js';

let file: string | undefined;

/**
 * No shared stack here: every fault case starts and kills its own. This resolves the broker
 * jars once and gathers each case's figures into one table printed at the end of the run.
 */
export function setup(project: TestProject): void {
  ensureKafkaJars(createLogger('faults', { destination: 2, level: 'warn' }));
  file = join(mkdtempSync(join(tmpdir(), 'tw-faults-')), 'results.jsonl');
  project.provide('faultResultsFile', file);
}

export function teardown(): void {
  if (!file) return;
  // Files run in vitest's order; the table reads in the order of the cases' letters.
  const results = readResults(file).sort((a, b) => a.case.localeCompare(b.case));
  process.stdout.write(`\nfault injection (${machineLine()})\n${resultsTable(results)}\nresults: ${file}\n`);
}
