import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { malformedStringPath } from './validate.js';

/** Unicode's own definition: a lone half of a surrogate pair is a code point of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Every string in `value`, object keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [key, ...stringsIn(child)]);
}

/** The value at `a.b.0`; for a key that is itself the finding, the key. */
function at(value: unknown, path: string): unknown {
  if (path === '(event)') return value;
  let item = value as Record<string, unknown>;
  const parts = path.split('.');
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && !LONE_SURROGATE.test(String(item[part])) && LONE_SURROGATE.test(part))
      return part;
    item = item[part] as Record<string, unknown>;
  }
  return item;
}

describe('malformedStringPath', () => {
  it('finds a lone surrogate anywhere (values, keys, arrays) and names where it is', () => {
    // Strings of any UTF-16 units, lone surrogates included; keys without dots so paths resolve.
    const text = fc.string({ unit: 'binary', maxLength: 6 });
    const key = text.filter((k) => !k.includes('.') && k !== '');
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { maxDepth: 3 },
        text,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const path = malformedStringPath(value);
        const malformed = stringsIn(value).some((s) => LONE_SURROGATE.test(s));
        expect(path !== undefined).toBe(malformed);
        if (path !== undefined) expect(LONE_SURROGATE.test(String(at(value, path)))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts well-formed pairs (emoji) and refuses either half alone', () => {
    expect(malformedStringPath({ note: 'ok \u{1F680}', tags: ['\u{1F4B0}'] })).toBeUndefined();
    expect(malformedStringPath({ note: 'x\uD83D' })).toBe('note');
    expect(malformedStringPath({ tags: ['a', '\uDE80b'] })).toBe('tags.1');
    expect(malformedStringPath({ meta: { 'k\uD800': 1 } })).toBe('meta.k\uD800');
  });
});
