import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fuzzed target's tally: every input is accepted or rejected, nothing else. */
export interface TargetTally {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  /** Rejection reasons grouped by their first words, with counts. */
  reasons: Record<string, number>;
  /** Inputs after which the target no longer answered (crash) or stopped taking input (stall). */
  crashesOrStalls: number;
}

export class FuzzReport {
  readonly #tallies = new Map<string, TargetTally>();

  constructor(
    readonly name: string,
    readonly seed: number,
  ) {}

  tally(target: string): TargetTally {
    let entry = this.#tallies.get(target);
    if (!entry) {
      entry = { target, inputs: 0, accepted: 0, rejected: 0, reasons: {}, crashesOrStalls: 0 };
      this.#tallies.set(target, entry);
    }
    return entry;
  }

  record(target: string, outcome: 'accepted' | { rejected: string }): void {
    const entry = this.tally(target);
    entry.inputs += 1;
    if (outcome === 'accepted') {
      entry.accepted += 1;
      return;
    }
    entry.rejected += 1;
    const group = reasonGroup(outcome.rejected);
    entry.reasons[group] = (entry.reasons[group] ?? 0) + 1;
  }

  /** Writes test/results/fuzz-<name>.json (git-ignored) and prints the table. */
  write(): void {
    const tallies = [...this.#tallies.values()];
    const dir = join(import.meta.dirname, '..', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `fuzz-${this.name}.json`);
    writeFileSync(file, `${JSON.stringify({ seed: this.seed, tallies }, null, 2)}\n`);
    const lines = [
      `fuzz ${this.name} (seed ${this.seed}, FUZZ_SEED=${this.seed} replays it; ${file})`,
      'target                               inputs accepted rejected crashes/stalls  top reasons',
      ...tallies.map((t) => {
        const top = Object.entries(t.reasons)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([reason, n]) => `${n}× ${reason}`)
          .join('; ');
        return `${t.target.padEnd(36)} ${String(t.inputs).padStart(6)} ${String(t.accepted).padStart(8)} ${String(t.rejected).padStart(8)} ${String(t.crashesOrStalls).padStart(14)}  ${top}`;
      }),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
  }
}

/** Engine parse errors by their code; other reasons by their first words (they start with the field). */
function reasonGroup(reason: string): string {
  const code = /\(([A-Z_]{4,})\)/.exec(reason)?.[1];
  if (reason.startsWith('invalid JSON') && code) return `invalid JSON (${code})`;
  return reason.split('\n')[0]?.slice(0, 48).trim() ?? reason;
}
