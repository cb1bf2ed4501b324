import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `tsx scripts/audit.ts`: npm's advisory check of the production dependencies, for CI.
 * Exit 1 listing package, severity and advisory when any high or critical advisory applies;
 * exit 0 when none does. When the registry's audit endpoint cannot answer (some mirrors and
 * proxies refuse POST /-/npm/v1/security/advisories/bulk with 405), it prints
 * "audit SKIPPED: <reason>" and exits 0: a skipped audit is reported as skipped, never as a pass.
 */

export type AuditVerdict = { status: 'passed' | 'failed' | 'skipped'; lines: string[] };

interface Advisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}
interface Vulnerability {
  name: string;
  severity: string;
  via: (Advisory | string)[];
  range?: string;
  fixAvailable?: unknown;
}
interface AuditReport {
  auditReportVersion?: number;
  vulnerabilities?: Record<string, Vulnerability>;
  metadata?: { dependencies?: { prod?: number } };
  message?: string;
  error?: { summary?: string; detail?: string } | string;
  statusCode?: number;
}

const BLOCKING = new Set(['high', 'critical']);

/** Judges `npm audit --json` output: what failed, or why there is no verdict. */
export function judgeAudit(stdout: string, exitCode: number | null, stderr = ''): AuditVerdict {
  let report: AuditReport;
  try {
    report = JSON.parse(stdout) as AuditReport;
  } catch {
    const why =
      stderr.split('\n').find((l) => /npm (error|ERR!)/.test(l)) ?? `exit ${exitCode}, no JSON report`;
    return { status: 'skipped', lines: [`audit SKIPPED: npm audit gave no report (${why.trim()})`] };
  }
  if (report.auditReportVersion === undefined || report.vulnerabilities === undefined) {
    const error =
      typeof report.error === 'string' ? report.error : report.error?.summary || report.error?.detail;
    const reason = report.message || error || `exit ${exitCode}, unrecognised report`;
    return {
      status: 'skipped',
      lines: [`audit SKIPPED: the registry's audit endpoint did not answer: ${reason}`],
    };
  }
  const lines: string[] = [];
  for (const vuln of Object.values(report.vulnerabilities)) {
    if (!BLOCKING.has(vuln.severity)) continue;
    const advisories = vuln.via.filter((v): v is Advisory => typeof v === 'object');
    const through = vuln.via.filter((v): v is string => typeof v === 'string');
    if (advisories.length === 0) {
      lines.push(`${vuln.name} ${vuln.severity}: through ${through.join(', ')}`);
      continue;
    }
    for (const a of advisories)
      lines.push(
        `${vuln.name} ${a.severity ?? vuln.severity}: ${a.title ?? 'advisory'} ${a.url ?? ''} (affects ${a.range ?? vuln.range ?? '?'})`.trim(),
      );
  }
  if (lines.length > 0)
    return { status: 'failed', lines: [`audit FAILED: ${lines.length} high/critical advisories`, ...lines] };
  const prod = report.metadata?.dependencies?.prod;
  return {
    status: 'passed',
    lines: [
      `audit passed: no high or critical advisories${prod === undefined ? '' : ` in ${prod} production dependencies`}`,
    ],
  };
}

function main(): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['audit', '--omit=dev', '--audit-level=high', '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) {
    process.stdout.write(`audit SKIPPED: npm could not be run: ${run.error.message}\n`);
    return;
  }
  const verdict = judgeAudit(run.stdout, run.status, run.stderr);
  process.stdout.write(`${verdict.lines.join('\n')}\n`);
  process.exitCode = verdict.status === 'failed' ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
