import type { z } from 'zod';

/** The result of checking one input against a contract: bad data is a value, not a throw. */
export type Validated<E> = { ok: true; event: E } | { ok: false; reason: string };

/**
 * Validates `input` and, when it is refused, says which field failed and why, in one
 * line a person can act on: `price: expected number, received string; side: ...`.
 */
export function validate<E>(schema: z.ZodType<E>, input: unknown): Validated<E> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, event: parsed.data };
  const reason = parsed.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
