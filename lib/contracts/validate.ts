import type { z } from 'zod';
import { fastCheckOf } from './compiled.js';

export const NOT_WELL_FORMED = 'not well-formed Unicode (a lone UTF-16 surrogate)';

/**
 * The path (`a.b.0`) of the first string, or object key, in `value` that is not well-formed
 * UTF-16; undefined when all are. Every accepted event goes through this, so the common case
 * (all well-formed) is a walk that builds no paths; only a malformed value pays for finding
 * where it is.
 */
export function malformedStringPath(value: unknown): string | undefined {
  return wellFormed(value) ? undefined : pathOfMalformed(value);
}

function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(wellFormed);
  for (const key of Object.keys(value)) {
    if (!key.isWellFormed() || !wellFormed((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The slow walk, with paths: contracts bound the depth, a stack keeps it iterative anyway. */
function pathOfMalformed(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'string') {
      if (!item.isWellFormed()) return path || '(event)';
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        const childPath = path ? `${path}.${key}` : key;
        if (!key.isWellFormed()) return childPath;
        stack.push([child, childPath]);
      }
    }
  }
  return undefined;
}

/** The result of checking one input against a contract: bad data is a value, not a throw. */
export type Validated<E> = { ok: true; event: E } | { ok: false; reason: string };

/**
 * Validates `input` and, when it is refused, says which field failed and why, in one
 * line a person can act on: `price: expected number, received string; side: ...`.
 */
export function validate<E>(schema: z.ZodType<E>, input: unknown): Validated<E> {
  // Accepted by the compiled schema: zod would accept it, with the same output, and every
  // string in it is well-formed (compiled.ts). Anything else gets zod's exact reasons.
  const event = fastCheckOf(schema)?.(input);
  if (event !== undefined) return { ok: true, event: event as E };
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    // Accepted must mean storable: ClickHouse refuses a lone surrogate later, as a dead letter
    // nobody was told about, so it is refused here, naming the field.
    const malformed = malformedStringPath(parsed.data);
    if (malformed !== undefined) return { ok: false, reason: `${malformed}: ${NOT_WELL_FORMED}` };
    return { ok: true, event: parsed.data };
  }
  const reason = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
