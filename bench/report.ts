import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../lib/machine.js';

/**
 * What every benchmark hands to `make bench`'s final table: one row per figure, with the
 * baseline measured in the same run and the target it is held to.
 */
export interface SummaryRow {
  benchmark: string;
  result: string;
  baseline: string;
  /** result / baseline, in the direction where higher is better for throughput, lower for latency. */
  ratio: number | null;
  target: string;
  met: boolean | null;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

export const progress = (line: string): void => {
  process.stderr.write(`  … ${line}\n`);
};

export const percentile = (xs: readonly number[], p: number): number | undefined => {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

export const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n)
    ? '-'
    : n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Writes `<name>-<time>.json` with the machine and the summary rows; returns its path. */
export function writeResult(name: string, summary: SummaryRow[], details: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const body = { benchmark: name, at: new Date().toISOString(), machine: machineInfo(), summary, ...details };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** The newest `<name>-*.json` in bench/results, parsed, or undefined when there is none. */
export function latestResult<T>(name: string): { file: string; body: T } | undefined {
  let files: string[];
  try {
    files = readdirSync(RESULTS_DIR).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.json'));
  } catch {
    return undefined;
  }
  const newest = files.sort().at(-1);
  if (!newest) return undefined;
  const file = join(RESULTS_DIR, newest);
  return { file, body: JSON.parse(readFileSync(file, 'utf8')) as T };
}

/** A plain fixed-width table: header row, then rows, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function summaryTable(rows: readonly SummaryRow[]): string {
  return table(
    ['benchmark', 'result', 'baseline', 'ratio', 'target', 'met?'],
    rows.map((r) => [
      r.benchmark,
      r.result,
      r.baseline,
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
      r.target,
      r.met === null ? '-' : r.met ? 'yes' : 'NO',
    ]),
  );
}

/**
 * CPU time (user + system) a live process has used so far, in ms, from /proc/<pid>/stat
 * (clock ticks of 10 ms). On a shared machine the CPU a piece of work costs is steadier
 * than the wall time it takes: neighbours slow the clock, not the work.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Peak resident memory (VmHWM) and current RSS of a live process, in MiB, from /proc. */
export function processMemory(pid: number): { peakMiB: number; rssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}
