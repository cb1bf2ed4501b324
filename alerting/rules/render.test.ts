import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRules } from './loader.js';
import { loadRuleFiles } from './rule-file.js';

const offsetOf = (sql: string): number =>
  Number(/REFRESH EVERY \d+ SECOND(?: OFFSET (\d+) SECOND)?/.exec(sql)?.[1] ?? 0);

describe('rule refresh schedule', () => {
  it('spreads the rules over the seconds of their interval instead of starting them all at once', () => {
    const { rendered } = renderRules({ refreshSeconds: 2 });
    const offsets = rendered.map((r) => offsetOf(r.sql));
    expect(new Set(offsets)).toEqual(new Set([0, 1]));
    // Round robin over the folder: the two seconds carry as many rules as each other, give or take one.
    const atZero = offsets.filter((o) => o === 0).length;
    expect(Math.abs(atZero - (rendered.length - atZero))).toBeLessThanOrEqual(1);
  });

  it('gives a rule refreshed every second no offset, and keeps each rule in its second across renders', () => {
    expect(renderRules({ refreshSeconds: 1 }).rendered.every((r) => !r.sql.includes('OFFSET'))).toBe(true);
    const once = renderRules({}).rendered.map((r) => r.hash);
    expect(renderRules({}).rendered.map((r) => r.hash)).toEqual(once);
  });
});

describe('rule fragments', () => {
  const header = (id: string) =>
    [
      `-- rule: ${id}`,
      '-- title: a test rule',
      '-- severity: warning',
      '-- entity: account',
      '-- episode_gap_s: 60',
      '-- refresh_s: 2',
      '-- resolve_after_s: 0',
      '-- threshold: days = 30    -- how far back',
      '-- description: a rule that tests fragments',
      '-- runbook: nothing to do, it is a test',
    ].join('\n');

  it("puts a fragment where a rule includes it, indented like the include, with the rule's thresholds", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rule-fragments-'));
    try {
      mkdirSync(join(dir, 'fragments'));
      writeFileSync(
        join(dir, 'fragments', 'recent.sql'),
        '-- where it is used\nrecent AS\n(\n    SELECT {{days}} AS d\n),\n',
      );
      writeFileSync(
        join(dir, 'rule-a.sql'),
        `${header('rule-a')}\nWITH\n    {{> recent}}\n    x AS (SELECT 1)\nSELECT d FROM recent\n`,
      );
      const [rule] = loadRuleFiles(dir);
      expect(rule?.body).toBe(
        'WITH\n    recent AS\n    (\n        SELECT {{days}} AS d\n    ),\n    x AS (SELECT 1)\nSELECT d FROM recent',
      );
      writeFileSync(join(dir, 'rule-a.sql'), `${header('rule-a')}\nWITH\n    {{> nowhere}}\nSELECT 1\n`);
      expect(() => loadRuleFiles(dir)).toThrow(
        /rule file rule-a\.sql: \{\{> nowhere\}\}: no such fragment \(known: recent\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
