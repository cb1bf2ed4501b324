import fc from 'fast-check';
import type { z } from 'zod';
import { validate } from '../../lib/contracts/validate.js';

/**
 * Bad input as a buggy or hostile writer sends it, drawn by fast-check from a fixed seed so
 * a failure replays exactly: a valid event with one field dropped or replaced by a value of
 * a hostile class, or bytes that are not one JSON object at all. A plan is drawn first and
 * applied to a fresh valid event, so every input has its own event_id unless the plan
 * targets event_id.
 */

/** The seed every fuzz file uses unless FUZZ_SEED is set; printed with the results. */
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20_261_123);

/** A stand-in replaced by raw bytes once the event is serialised (JSON cannot hold them). */
const INVALID_UTF8_MARK = '@@invalid-utf8@@';
const INVALID_UTF8 = Buffer.from([0x41, 0xff, 0xfe, 0xc3, 0x28]);

const YEAR_3000_MS = 32_503_680_000_000;

interface ValueClass {
  label: string;
  value: unknown;
}

const deep = (depth: number): unknown => (depth === 0 ? 1 : { a: deep(depth - 1) });

const constantValues: ValueClass[] = [
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: 'object', value: { nested: 1 } },
  { label: 'array', value: [1, 'two'] },
  { label: 'empty string', value: '' },
  { label: 'number-as-string', value: '1.5' },
  { label: 'nan-string', value: 'nan' },
  { label: 'inf-string', value: 'inf' },
  { label: 'negative', value: -1 },
  { label: 'zero', value: 0 },
  { label: 'huge number', value: 1e308 },
  { label: 'huge negative', value: -1e30 },
  { label: 'beyond int64', value: 9_007_199_254_740_991_000 },
  { label: 'fraction', value: 1.5 },
  { label: 'seconds timestamp', value: 1_700_000_000 },
  { label: 'year 3000', value: YEAR_3000_MS },
  { label: 'epoch zero', value: 0 },
  { label: 'huge string', value: 'x'.repeat(100_000) },
  { label: 'deep nesting', value: deep(200) },
  { label: 'control characters', value: 'a\u0000b\u0007\n' },
  { label: 'emoji', value: '🚀💥' },
  { label: 'invalid utf-8', value: INVALID_UTF8_MARK },
];

const valueClass: fc.Arbitrary<ValueClass> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...constantValues) },
  fc.string({ maxLength: 80 }).map((value) => ({ label: 'random string', value })),
  fc.double().map((value) => ({ label: 'random double', value })),
  fc.integer().map((value) => ({ label: 'random integer', value })),
  fc.jsonValue({ maxDepth: 3 }).map((value) => ({ label: 'random JSON', value })),
);

const rawKinds = [
  'truncated JSON',
  'random bytes',
  'JSON array of the event',
  'two events in one message',
  'JSON scalar',
  'deeply nested JSON',
  'trailing garbage',
] as const;

export type Plan =
  | { kind: 'valid' }
  | { kind: 'drop'; field: number }
  | { kind: 'set'; field: number; value: ValueClass }
  | { kind: 'raw'; raw: (typeof rawKinds)[number]; bytes: Uint8Array };

export const planArbitrary: fc.Arbitrary<Plan> = fc.oneof(
  fc.constant<Plan>({ kind: 'valid' }),
  fc.nat().map((field): Plan => ({ kind: 'drop', field })),
  {
    weight: 4,
    arbitrary: fc.record({ field: fc.nat(), value: valueClass }).map((p): Plan => ({ kind: 'set', ...p })),
  },
  fc
    .record({ raw: fc.constantFrom(...rawKinds), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) })
    .map((p): Plan => ({ kind: 'raw', ...p })),
);

/** `count` plans drawn from `seed`: the same list on every run and machine. */
export const drawPlans = (seed: number, count: number): Plan[] =>
  fc.sample(planArbitrary, { seed, numRuns: count });

export interface FuzzInput {
  /** What was done, e.g. `set price = negative`, for the results table. */
  label: string;
  bytes: Buffer;
  /** The decoded event when the bytes are one JSON object (what an HTTP batch carries). */
  json: unknown;
  /** The event before mutation, for the sentinel checks and event ids. */
  base: Record<string, unknown>;
}

const serialise = (value: unknown): Buffer => {
  const text = JSON.stringify(value);
  return text.includes(INVALID_UTF8_MARK)
    ? Buffer.concat(
        text
          .split(JSON.stringify(INVALID_UTF8_MARK).slice(1, -1))
          .flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [INVALID_UTF8, Buffer.from(part)])),
      )
    : Buffer.from(text);
};

/** Applies a plan to a fresh valid event. */
export function applyPlan(plan: Plan, base: Record<string, unknown>): FuzzInput {
  const fields = Object.keys(base);
  const pick = (n: number) => fields[n % fields.length] as string;
  switch (plan.kind) {
    case 'valid':
      return { label: 'valid', bytes: serialise(base), json: base, base };
    case 'drop': {
      const field = pick(plan.field);
      const { [field]: _dropped, ...rest } = base;
      return { label: `drop ${field}`, bytes: serialise(rest), json: rest, base };
    }
    case 'set': {
      const field = pick(plan.field);
      const event = { ...base, [field]: plan.value.value };
      return { label: `set ${field} = ${plan.value.label}`, bytes: serialise(event), json: event, base };
    }
    case 'raw': {
      const text = JSON.stringify(base);
      const bytes = {
        'truncated JSON': () => Buffer.from(text.slice(0, 1 + ((plan.bytes[0] ?? 0) % (text.length - 1)))),
        'random bytes': () => Buffer.from(plan.bytes),
        'JSON array of the event': () => Buffer.from(`[${text}]`),
        'two events in one message': () => Buffer.from(`${text}\n${text}`),
        'JSON scalar': () => Buffer.from(String((plan.bytes[0] ?? 0) - 100)),
        'deeply nested JSON': () => Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`),
        'trailing garbage': () => Buffer.from(`${text}}garbage`),
      }[plan.raw]();
      return { label: plan.raw, bytes, json: undefined, base };
    }
  }
}

/**
 * What the contract says about these bytes: the reference every consumer and endpoint is
 * held to. `fields` are the fields the contract names when it refuses.
 */
export function expectedOutcome(
  schema: z.ZodType<unknown>,
  bytes: Buffer,
): { ok: true } | { ok: false; fields: string[]; reason: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    return { ok: false, fields: [], reason: `not one JSON document: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(decoded);
  if (parsed.success) return { ok: true };
  const checked = validate(schema, decoded);
  const fields = parsed.error.issues.map((issue) => String(issue.path[0] ?? '(event)'));
  return { ok: false, fields, reason: checked.ok ? '' : checked.reason };
}
