import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    faultResultsFile: string;
  }
}

/** One line of the table printed at the end of `npm run test:faults`. */
export interface FaultResult {
  case: string;
  /** 'events' for ingest cases, 'deliveries' (alert × channel) for the notifier cases. */
  unit: 'events' | 'deliveries';
  sent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  rawDuplicates: number;
  visibleDuplicates: number;
  recoveryMs: number;
  note: string;
}

/** Appends a case's figures to the run's results file (one JSON line each). */
export function recordResult(result: FaultResult): void {
  appendFileSync(inject('faultResultsFile'), `${JSON.stringify(result)}\n`);
}

export function readResults(file: string): FaultResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultResult);
}

/** A markdown table: what the run prints and what docs/reliability.md quotes. */
export function resultsTable(results: FaultResult[]): string {
  const header = [
    'case',
    'unit',
    'sent',
    'acknowledged',
    'stored',
    'lost',
    'duplicates raw / visible',
    'recovery',
    'note',
  ];
  const rows = results.map((r) => [
    r.case,
    r.unit,
    String(r.sent),
    String(r.acknowledged),
    String(r.stored),
    String(r.lost),
    `${r.rawDuplicates} / ${r.visibleDuplicates}`,
    Number.isFinite(r.recoveryMs) ? `${(r.recoveryMs / 1000).toFixed(1)} s` : 'not recovered',
    r.note,
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
