import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlan, drawPlans, fuzzSeed } from '../../test/fuzz/inputs.js';
import { validEvents } from '../../test/fuzz/valid-events.js';
import { fastCheckOf } from './compiled.js';
import { type TopicKey, topics } from './topics.js';
import { malformedStringPath } from './validate.js';

/** What zod (plus the well-formed check validate() adds) says, without the compiled path. */
function zodVerdict(schema: (typeof topics)[TopicKey]['schema'], input: unknown) {
  const parsed = schema.safeParse(input);
  if (!parsed.success || malformedStringPath(parsed.data) !== undefined) return undefined;
  return parsed.data;
}

/** A lone surrogate, an emoji and an over-long string in place of each string field. */
const stringTwists = ['a\ud800b', '\udc00', '🚀'.repeat(40), 'x'.repeat(70), ''];

describe('the compiled contract check', () => {
  const keys = Object.keys(topics) as TopicKey[];

  it('compiles every object contract (a discriminated union, user funds, stays on zod)', () => {
    const missing = keys.filter((key) => fastCheckOf(topics[key].schema) === undefined);
    expect(missing).toEqual(['userFunds']);
  });

  it.each(keys.filter((key) => key !== 'userFunds'))(
    '%s: accepts exactly what zod accepts, with the same event (fuzzed inputs)',
    (key) => {
      const { schema } = topics[key];
      const check = fastCheckOf(schema) as NonNullable<ReturnType<typeof fastCheckOf>>;
      const inputs: unknown[] = drawPlans(fuzzSeed, 1_500)
        .map((plan) => applyPlan(plan, validEvents[key]()).json)
        .filter((json) => json !== undefined);
      const base = validEvents[key]();
      for (const [field, value] of Object.entries(base)) {
        if (typeof value !== 'string') continue;
        for (const twist of stringTwists) inputs.push({ ...base, [field]: twist });
        inputs.push({ ...base, [field]: undefined });
      }
      inputs.push({ ...base, unknown_field: 'stripped' }, [base], null, 'text');
      let accepted = 0;
      for (const input of inputs) {
        const fast = check(input);
        const reference = zodVerdict(schema, input);
        // Never accepts what zod refuses; accepts all zod accepts (else the fast path is idle).
        expect(fast === undefined, JSON.stringify(input)?.slice(0, 300)).toBe(reference === undefined);
        if (fast !== undefined) {
          accepted += 1;
          expect(JSON.stringify(fast)).toBe(JSON.stringify(reference));
        }
      }
      expect(accepted).toBeGreaterThan(10);
    },
  );

  it('agrees with zod on arbitrary values of every field of a trade', () => {
    const { schema } = topics.marketTrades;
    const check = fastCheckOf(schema) as NonNullable<ReturnType<typeof fastCheckOf>>;
    const base = validEvents.marketTrades();
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(base)),
        fc.oneof(fc.string(), fc.double(), fc.integer(), fc.jsonValue({ maxDepth: 2 })),
        (field, value) => {
          const input = { ...base, [field]: value };
          expect(check(input) === undefined).toBe(zodVerdict(schema, input) === undefined);
        },
      ),
      { seed: fuzzSeed, numRuns: 2_000 },
    );
  });
});
