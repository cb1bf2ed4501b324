import { z } from 'zod';
import { ErrorCode, TradewatchError } from '../errors.js';
import { readSecret } from './secrets.js';

/**
 * The one environment loader every service's settings go through (platform, collector,
 * market connector, sentiment, notifier, console). A service declares one zod object of
 * its variables; this reads them once at start-up, validates, and freezes the result.
 *  - Unknown variables are ignored (the environment holds much else); empty ones count as
 *    unset, so a default applies.
 *  - A variable wrapped in `secret()` may instead be given as `<NAME>_FILE`, the path of a
 *    file holding it (Docker/Kubernetes secrets); setting both is refused (./secrets.ts).
 *  - A bad value fails with every offending key, the value given (never a secret's) and
 *    what was expected.
 */

type Env = Record<string, string | undefined>;

const secrets = z.registry<{ secret: true }>();

/** Marks a variable as a secret: readable from `<NAME>_FILE`, never echoed in errors. */
export function secret<T extends z.ZodType>(schema: T): T {
  secrets.add(schema, { secret: true });
  return schema;
}

/** The names of the secret variables of `schema`. */
export function secretNames(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => secrets.has(field as z.ZodType))
    .map(([name]) => name);
}

/** `env` restricted to the schema's keys, with secrets read from their `_FILE`s. */
export function pickEnv(schema: z.ZodObject, env: Env): Record<string, string> {
  const hidden = new Set(secretNames(schema));
  const known: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = hidden.has(key) ? readSecret(env, key) : env[key];
    if (value !== undefined && value !== '') known[key] = value;
  }
  return known;
}

/** `KEY=value: expectation` for each issue; a secret's value is replaced by a marker. */
export function describeIssues(
  schema: z.ZodObject,
  error: z.ZodError,
  given: Record<string, string>,
): string[] {
  const hidden = new Set(secretNames(schema));
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '?');
    const shown = hidden.has(key) ? '(secret, not shown)' : JSON.stringify(given[key] ?? '');
    return `${key}=${shown}: ${issue.message}`;
  });
}

export function configError(what: string, problems: string[]): TradewatchError {
  return new TradewatchError(ErrorCode.CONFIG_INVALID, `invalid ${what}: ${problems.join('; ')}`);
}

/** Reads `schema`'s variables from `env`; `what` names the settings in the error ("collector configuration"). */
export function loadEnv<S extends z.ZodObject>(schema: S, what: string, env: Env): Readonly<z.infer<S>> {
  const given = pickEnv(schema, env);
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw configError(what, describeIssues(schema, parsed.error, given));
  return Object.freeze(parsed.data);
}

/** The shapes several services' variables share. */
export const env = {
  positiveInt: () => z.coerce.number().int().positive(),
  nonNegativeInt: () => z.coerce.number().int().min(0),
  /** 0 lets the OS pick a free port (tests, benchmarks). */
  port: () => z.coerce.number().int().min(0).max(65_535),
  /** A comma-separated list; blanks around items and empty items are dropped. */
  list: <T extends z.ZodType<unknown, string>>(item: T) =>
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      )
      .pipe(z.array(item)),
  bool: () => z.enum(['true', 'false']).transform((v) => v === 'true'),
};
