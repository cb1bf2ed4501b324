import type { z } from 'zod';

/**
 * A compiled form of a contract's own zod schema, for the producers' hot path (issue 19:
 * zod's general-purpose parse, with its issue bookkeeping and a second walk for lone
 * surrogates, was most of EventProducer's own cost per event).
 *
 * It is read from the schema's definition (`_zod.def`), not written again: the same
 * regexes, bounds, literals, enum values and refinement functions. It only ever answers
 * "accepted, here is the event" or "not sure": anything it does not compile, and every
 * input it does not accept, goes through zod, which gives the exact reasons. A property test
 * (compiled.test.ts) checks that what it accepts zod accepts, with the same output.
 */
export type FastCheck = (input: unknown) => Record<string, unknown> | undefined;
type Predicate = (value: unknown) => boolean;

// biome-ignore lint/suspicious/noExplicitAny: zod's definitions are read as data here.
type Def = Record<string, any>;
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Every check of a string or number as a predicate, or undefined when one is not known here. */
function checksOf(def: Def, kind: 'string' | 'number' | 'array'): Predicate[] | undefined {
  const predicates: Predicate[] = [];
  for (const check of (def.checks ?? []) as Array<{ _zod: { def: Def } }>) {
    const c = check._zod.def;
    if (c.check === 'string_format' && c.format === 'regex' && kind === 'string' && !c.pattern.global) {
      const re = c.pattern as RegExp;
      predicates.push((v) => re.test(v as string));
    } else if (c.check === 'custom' && kind !== 'array' && c.when === undefined && !c.abort) {
      const fn = c.fn as (v: unknown) => unknown;
      predicates.push((v) => {
        const ok = fn(v);
        if (ok instanceof Promise) throw new Error('async refinement in a contract');
        return Boolean(ok);
      });
    } else if (c.check === 'number_format' && c.format === 'safeint' && kind === 'number') {
      predicates.push((v) => Number.isSafeInteger(v));
    } else if (c.check === 'greater_than' && kind === 'number') {
      const min = c.value as number;
      predicates.push(c.inclusive ? (v) => (v as number) >= min : (v) => (v as number) > min);
    } else if (c.check === 'less_than' && kind === 'number') {
      const max = c.value as number;
      predicates.push(c.inclusive ? (v) => (v as number) <= max : (v) => (v as number) < max);
    } else if (c.check === 'min_length' && kind !== 'number') {
      const min = c.minimum as number;
      predicates.push((v) => (v as { length: number }).length >= min);
    } else if (c.check === 'max_length' && kind !== 'number') {
      const max = c.maximum as number;
      predicates.push((v) => (v as { length: number }).length <= max);
    } else {
      return undefined;
    }
  }
  return predicates;
}

const all =
  (base: Predicate, checks: readonly Predicate[]): Predicate =>
  (v) => {
    if (!base(v)) return false;
    for (const check of checks) if (!check(v)) return false;
    return true;
  };

/**
 * A predicate that is true exactly when zod accepts `value` unchanged; undefined when the
 * schema has a kind this does not compile (transforms, defaults, unions…). A string must
 * also be well-formed UTF-16, as validate() requires of every accepted event.
 */
function compileValue(schema: z.ZodType): Predicate | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': {
      // A string format (z.ipv4(), z.ipv6()…) is its own check, partly outside any regex
      // (ipv6 goes through URL parsing): its own parse decides, and it never changes a string.
      if (def.format !== undefined) {
        if ((def.checks ?? []).length > 0) return undefined;
        return (v) => typeof v === 'string' && v.isWellFormed() && schema.safeParse(v).success;
      }
      const checks = checksOf(def, 'string');
      return checks && all((v) => typeof v === 'string' && v.isWellFormed(), checks);
    }
    case 'number': {
      const checks = checksOf(def, 'number');
      return checks && all((v) => typeof v === 'number' && Number.isFinite(v), checks);
    }
    case 'literal': {
      const values = new Set<unknown>(def.values);
      if (![...values].every((v) => typeof v === 'number' || typeof v === 'string')) return undefined;
      return (v) => values.has(v);
    }
    case 'enum': {
      const values = new Set<unknown>(Object.values(def.entries as Record<string, unknown>));
      return (v) => values.has(v);
    }
    case 'union': {
      // Every option must compile; the first that accepts is what zod returns, and a
      // compiled option returns its input unchanged.
      const options = (def.options as z.ZodType[]).map(compileValue);
      if (def.discriminator !== undefined || options.some((o) => o === undefined)) return undefined;
      const compiledOptions = options as Predicate[];
      return (v) => compiledOptions.some((option) => option(v));
    }
    case 'optional': {
      const inner = compileValue(def.innerType);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'array': {
      const element = compileValue(def.element);
      const checks = checksOf(def, 'array');
      if (!element || !checks) return undefined;
      return all((v) => Array.isArray(v) && v.every(element), checks);
    }
    default:
      return undefined;
  }
}

/**
 * The compiled check of an object contract: its fields and, when `rules` is given, the
 * contract's cross-field rules (true when broken). Undefined when the schema is not an
 * object of compilable fields that strips unknown keys.
 */
export function compileObject(
  schema: z.ZodType,
  rules: ReadonlyArray<(event: never) => boolean> = [],
): FastCheck | undefined {
  const def = defOf(schema);
  if (def.type !== 'object' || def.catchall !== undefined || (def.checks ?? []).length > 0) return undefined;
  const fields: Array<[string, Predicate, boolean]> = [];
  for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
    const predicate = compileValue(field);
    if (!predicate) return undefined;
    fields.push([key, predicate, defOf(field).type === 'optional']);
  }
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    const source = input as Record<string, unknown>;
    const event: Record<string, unknown> = {};
    for (const [key, predicate, optional] of fields) {
      const value = source[key];
      if (!predicate(value)) return undefined;
      // zod leaves an absent optional key out of its output.
      if (!optional || value !== undefined || key in source) event[key] = value;
    }
    for (const broken of rules) if (broken(event as never)) return undefined;
    return event;
  };
}

const compiled = new WeakMap<z.ZodType, FastCheck | null>();

/** Registers the compiled check of `schema` (contract.ts does, for every contract). */
export function registerFastCheck(schema: z.ZodType, check: FastCheck | undefined): void {
  compiled.set(schema, check ?? null);
}

/** The compiled check of `schema`, compiling a plain object schema on first use. */
export function fastCheckOf(schema: z.ZodType): FastCheck | undefined {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compileObject(schema) ?? null;
    compiled.set(schema, check);
  }
  return check ?? undefined;
}
