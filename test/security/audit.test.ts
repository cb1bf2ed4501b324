import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeAudit } from '../../scripts/audit.js';

const ROOT = join(import.meta.dirname, '../..');

/** `npm audit --json` (report version 2) as npm prints it, with one advisory of each kind. */
const report = (vulnerabilities: Record<string, unknown>) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: { dependencies: { prod: 120, dev: 80, total: 200 } },
  });
const advisory = (name: string, severity: string) => ({
  name,
  severity,
  isDirect: false,
  via: [
    {
      source: 1098765,
      name,
      dependency: name,
      title: `Prototype pollution in ${name}`,
      url: `https://github.com/advisories/GHSA-${name}`,
      severity,
      range: '<2.0.0',
    },
  ],
  effects: [],
  range: '<2.0.0',
  nodes: [`node_modules/${name}`],
  fixAvailable: true,
});

describe('scripts/audit.ts', () => {
  it('fails on high and critical advisories, listing package, severity and advisory', () => {
    const verdict = judgeAudit(
      report({
        lodashish: advisory('lodashish', 'critical'),
        parser: advisory('parser', 'high'),
        chalky: advisory('chalky', 'moderate'),
        wrapper: { name: 'wrapper', severity: 'high', via: ['parser'], range: '*' },
      }),
      1,
    );
    expect(verdict.status).toBe('failed');
    expect(verdict.lines).toEqual([
      'audit FAILED: 3 high/critical advisories',
      'lodashish critical: Prototype pollution in lodashish https://github.com/advisories/GHSA-lodashish (affects <2.0.0)',
      'parser high: Prototype pollution in parser https://github.com/advisories/GHSA-parser (affects <2.0.0)',
      'wrapper high: through parser',
    ]);
  });

  it('passes when only lower severities remain', () => {
    expect(judgeAudit(report({ chalky: advisory('chalky', 'moderate') }), 0)).toEqual({
      status: 'passed',
      lines: ['audit passed: no high or critical advisories in 120 production dependencies'],
    });
  });

  it('says SKIPPED with the reason when the endpoint does not answer, never passed', () => {
    const refused = JSON.stringify({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      error: { summary: '', detail: '' },
    });
    expect(judgeAudit(refused, 1)).toEqual({
      status: 'skipped',
      lines: [
        "audit SKIPPED: the registry's audit endpoint did not answer: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      ],
    });
    expect(judgeAudit('', 1, 'npm error code ENOTFOUND\n').lines).toEqual([
      'audit SKIPPED: npm audit gave no report (npm error code ENOTFOUND)',
    ]);
  });

  it('run here, prints one verdict line whose exit code matches it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    const first = run.stdout.split('\n')[0] ?? '';
    expect(first).toMatch(/^audit (SKIPPED: .+|passed: .+|FAILED: \d+ high\/critical advisories)$/);
    expect(run.status).toBe(first.startsWith('audit FAILED') ? 1 : 0);
  });
});
