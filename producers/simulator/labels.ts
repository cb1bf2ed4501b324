import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SimLabel } from '../../lib/contracts/simulation.js';

/**
 * Ground truth as JSON lines, one label per line, appended as scenarios finish: a run
 * that is stopped half-way still leaves the labels of what did happen.
 */
export class LabelsFile {
  readonly path: string;
  #ready: Promise<unknown> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  async append(labels: readonly SimLabel[]): Promise<void> {
    if (labels.length === 0) return;
    this.#ready ??= mkdir(dirname(this.path), { recursive: true });
    await this.#ready;
    await appendFile(this.path, labels.map((label) => `${JSON.stringify(label)}\n`).join(''), 'utf8');
  }
}
