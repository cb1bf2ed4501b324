import { z } from 'zod';
import { compileObject, registerFastCheck } from './compiled.js';
import type { Field } from './fields.js';

/**
 * A contract: named fields from the vocabulary (fields.ts), in the order the warehouse
 * reads them, plus cross-field rules. The zod schema and the warehouse checks are both
 * derived from it, so the two cannot drift apart.
 */
export type Fields = Readonly<Record<string, Field>>;

type ShapeOf<F extends Fields> = { [K in keyof F]: F[K]['zod'] };

/** A rule across fields, in both languages; `field` is the one the error names. */
export interface Rule<E> {
  readonly field: string;
  /** True when the event breaks the rule (zod side). */
  readonly broken: (event: E) => boolean;
  readonly message: (event: E) => string;
  /** SQL boolean over the parsed columns: true when broken. */
  readonly sql: string;
  /** SQL string expression: the message. */
  readonly sqlMessage: string;
}

/**
 * A rule whose message is fixed text, written once: zod reports it as is, SQL as a string
 * literal. `sql` is true when the event breaks the rule, as `broken` is.
 */
export function fixedRule<E>(
  field: string,
  message: string,
  sql: string,
  broken: (event: E) => boolean,
): Rule<E> {
  if (/['\\]/.test(message))
    throw new Error(`rule on ${field}: a fixed message has no quotes or backslashes`);
  return { field, broken, message: () => message, sql, sqlMessage: `'${message}'` };
}

/** What the warehouse reads of a contract: its fields and the SQL side of its rules. */
export interface WarehouseContract {
  readonly fields: Fields;
  readonly rules: ReadonlyArray<Pick<Rule<never>, 'field' | 'sql' | 'sqlMessage'>>;
}

export interface Contract<F extends Fields = Fields, E = z.infer<z.ZodObject<ShapeOf<F>>>> {
  readonly fields: F;
  readonly rules: ReadonlyArray<Rule<E>>;
  readonly schema: z.ZodType<E>;
}

export const shapeOf = <F extends Fields>(fields: F): ShapeOf<F> =>
  Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.zod])) as ShapeOf<F>;

export function contract<F extends Fields>(
  fields: F,
  rules: ReadonlyArray<Rule<z.infer<z.ZodObject<ShapeOf<F>>>>> = [],
): Contract<F> & { schema: z.ZodType<z.infer<z.ZodObject<ShapeOf<F>>>> } {
  const object = z.object(shapeOf(fields));
  const schema =
    rules.length === 0
      ? object
      : object.superRefine((event, ctx) => {
          for (const rule of rules) {
            if (rule.broken(event))
              ctx.addIssue({ code: 'custom', path: [rule.field], message: rule.message(event) });
          }
        });
  // The producers' fast path: the same field schemas and rules, compiled (compiled.ts).
  registerFastCheck(
    schema,
    compileObject(
      object,
      rules.map((rule) => rule.broken as (event: never) => boolean),
    ),
  );
  return { fields, rules, schema };
}
