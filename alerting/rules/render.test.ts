import { describe, expect, it } from 'vitest';
import { renderRules } from './loader.js';

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
