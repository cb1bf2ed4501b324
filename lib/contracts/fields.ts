import { z } from 'zod';

/**
 * The field vocabulary every contract is built from. A field is defined once and carries
 * both of its checks: the zod schema producers validate with, and what the warehouse needs
 * to hold the same line for writers that bypass our library (clickhouse/schema/ renders it):
 * the JSON type the Kafka queue reads, the SQL expression that refuses a value, the error
 * text (shared by zod and SQL, so both name the same reason) and the fact column.
 *
 * Lengths are counted in characters (code points) on both sides: zod's own `.max()` counts
 * UTF-16 units and RE2's `.` skips newlines, and those two disagreements were real drift.
 */

/** How the warehouse holds a field. Column names are filled in by the generator. */
export interface FieldSql {
  /** The Kafka queue's column type: JSON as read (numbers as nullable doubles, 0140). */
  readonly queue: string;
  /** Type in the `_parsed` stream; whole numbers become Int64 there once checked. */
  readonly parsed: string;
  /** Must be a whole number within ±2^53 (checked generically, before `refuse`). */
  readonly whole: boolean;
  /** A SQL boolean over column `c`: true when the value is refused. */
  readonly refuse: (c: string) => string;
  /** A SQL string expression: the reason after `field: ` (may quote the value). */
  readonly reason: (c: string) => string;
  /** The fact column: type, codec and the SELECT expression from the parsed column. */
  readonly fact: { readonly type: string; readonly codec?: string; readonly select: (c: string) => string };
  /** Optional in the contract: NULL in the queue means absent. */
  readonly optional: boolean;
}

export interface Field<Z extends z.ZodType = z.ZodType> {
  readonly zod: Z;
  readonly sql: FieldSql;
}

export const sqlString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const quoting = (text: string) => (c: string) => `concat(${sqlString(`${text}, got "`)}, ${c}, '"')`;
const showing = (text: string) => (c: string) => `concat(${sqlString(`${text}, got `)}, toString(${c}))`;
const fixed = (text: string) => () => sqlString(text);

function field<Z extends z.ZodType>(zod: Z, sql: Omit<FieldSql, 'optional'>): Field<Z> {
  return { zod, sql: { ...sql, optional: false } };
}

/** The same field, optional: absent in JSON (NULL in SQL) is fine, present must pass. */
export function optional<Z extends z.ZodType>(f: Field<Z>): Field<z.ZodOptional<Z>> {
  const { sql } = f;
  const nullable = (t: string) => (t.startsWith('Nullable(') ? t : `Nullable(${t})`);
  return {
    zod: f.zod.optional(),
    sql: {
      ...sql,
      queue: nullable(sql.queue),
      parsed: nullable(sql.parsed),
      refuse: (c) => `${c} IS NOT NULL AND ${sql.refuse(c)}`,
      fact: { ...sql.fact, type: nullable(sql.fact.type) },
      optional: true,
    },
  };
}

/** `f`, and at most `max` characters (code points) long. */
export function maxChars<Z extends z.ZodType<string>>(f: Field<Z>, max: number): Field<Z> {
  const { sql } = f;
  return {
    zod: f.zod.refine((s) => [...s].length <= max, `at most ${max} characters`) as unknown as Z,
    sql: { ...sql, refuse: (c) => `lengthUTF8(${c}) > ${max} OR ${sql.refuse(c)}` },
  };
}

/**
 * A link, or empty when the source gives none; at most 2048 characters. No `\S` here: JS
 * and RE2 disagree on which characters are spaces.
 */
export const httpUrl = () =>
  maxChars(pattern(/^(https?:\/\/[^\t\n\v\f\r ]+)?$/, 'an http(s) URL or empty is required'), 2048);

/** Optional, and stored as '' when absent: "no device" needs no NULL in the fact. */
export const orEmpty = <Z extends z.ZodType>(f: Field<Z>): Field<z.ZodOptional<Z>> =>
  stored(optional(f), { type: f.sql.fact.type, select: (c) => f.sql.fact.select(`ifNull(${c}, '')`) });

/** Overrides of the fact column for one field: storage choices that are not the contract's. */
export function stored<Z extends z.ZodType>(f: Field<Z>, fact: Partial<FieldSql['fact']>): Field<Z> {
  return { zod: f.zod, sql: { ...f.sql, fact: { ...f.sql.fact, ...fact } } };
}

const STRING_FACT = { type: 'String', codec: 'ZSTD(1)', select: (c: string) => c } as const;
/** JS and RE2 agree on these patterns: ASCII classes, anchors, no `\s`/`\S`/`.`. */
const textField = (
  pattern: RegExp,
  text: string,
  reason: (c: string) => string,
  fact: FieldSql['fact'] = STRING_FACT,
) =>
  field(z.string().regex(pattern, text), {
    queue: 'String',
    parsed: 'String',
    whole: false,
    refuse: (c) => `NOT match(${c}, ${sqlString(pattern.source)})`,
    reason,
    fact,
  });

/** Text matched by a pattern; the error text quotes the value in SQL. */
export const pattern = (re: RegExp, text: string, fact?: FieldSql['fact']) =>
  textField(re, text, quoting(text), fact);

/** The envelope's ULID. */
export const ulid = () =>
  textField(
    /^[0-9A-HJKMNP-TV-Z]{26}$/,
    'a 26-character ULID is required',
    fixed('a 26-character ULID is required'),
    {
      type: 'FixedString(26)',
      select: (c) => `toFixedString(${c}, 26)`,
    },
  );

/** Ids of the exchange's systems: printable ASCII without spaces, 1..max characters. */
export const id = (max = 64) => {
  const text = `1 to ${max} printable ASCII characters without spaces required`;
  return textField(new RegExp(`^[!-~]{1,${max}}$`), text, fixed(text));
};

/** Free text of min..max characters (code points; any character, newlines included). */
export const text = (min: number, max: number, fact: FieldSql['fact'] = STRING_FACT) => {
  const message = min > 0 ? `${min} to ${max} characters required` : `at most ${max} characters`;
  return field(
    z.string().refine((s) => {
      const length = [...s].length;
      return length >= min && length <= max;
    }, message),
    {
      queue: 'String',
      parsed: 'String',
      whole: false,
      // Bytes that are not UTF-8 can reach Kafka from any client; JS never sees them (a
      // decoded string is always text), so only the SQL side needs the check.
      refuse: (c) =>
        `NOT isValidUTF8(${c}) OR ${min > 0 ? `lengthUTF8(${c}) NOT BETWEEN ${min} AND ${max}` : `lengthUTF8(${c}) > ${max}`}`,
      reason: (c) =>
        `if(isValidUTF8(${c}), ${sqlString(message)}, ${sqlString('valid UTF-8 text required')})`,
      fact,
    },
  );
};

/** Low-cardinality text (venues, symbols, sources): stored as LowCardinality(String). */
export const LOW_CARDINALITY = { type: 'LowCardinality(String)', select: (c: string) => c } as const;

/** A fixed list of values, stored as Enum8 in that order. */
export const oneOf = <const V extends readonly [string, ...string[]]>(values: V, text?: string) => {
  const listed =
    values.length === 2
      ? `"${values[0]}" or "${values[1]}"`
      : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
  const message = text ?? `expected ${listed}`;
  const enumType = `Enum8(${values.map((v, i) => `'${v}' = ${i + 1}`).join(', ')})`;
  return field(z.enum(values, { error: message }), {
    queue: 'String',
    parsed: 'String',
    whole: false,
    refuse: (c) => `${c} NOT IN (${values.map((v) => `'${v}'`).join(', ')})`,
    reason: quoting(message),
    fact: { type: enumType, select: (c) => `CAST(${c}, ${sqlString(enumType)})` },
  });
};

/** The event's `type`: one literal per contract. */
export const literal = <const V extends string>(value: V) =>
  field(z.literal(value, { error: `expected "${value}"` }), {
    queue: 'String',
    parsed: 'String',
    whole: false,
    refuse: (c) => `${c} != '${value}'`,
    reason: quoting(`expected "${value}"`),
    fact: LOW_CARDINALITY,
  });

const DOUBLE_FACT = { type: 'Float64', codec: 'Gorilla, ZSTD(1)', select: (c: string) => c } as const;
const number = (
  zod: z.ZodNumber,
  refuse: (c: string) => string,
  text: string,
  fact: FieldSql['fact'] = DOUBLE_FACT,
) =>
  field(zod, {
    queue: 'Nullable(Float64)',
    parsed: 'Float64',
    whole: false,
    refuse,
    reason: showing(text),
    fact,
  });

/** Prices, sizes, amounts: finite doubles above zero. */
export const positive = () => {
  const text = 'a positive number is required';
  return number(z.number(text).positive(text).finite(text), (c) => `NOT (isFinite(${c}) AND ${c} > 0)`, text);
};

/** Zero or more (a level's new size, a cumulative fill). */
export const nonNegative = () => {
  const text = 'zero or more required';
  return number(
    z.number(text).nonnegative(text).finite(text),
    (c) => `NOT (isFinite(${c}) AND ${c} >= 0)`,
    text,
  );
};

/** A finite double within [min, max]: rates, scores. */
export const between = (min: number, max: number) => {
  const text = `a number in [${min}, ${max}] is required`;
  return number(
    z.number(text).finite(text).min(min, text).max(max, text),
    (c) => `NOT (isFinite(${c}) AND ${c} BETWEEN ${min} AND ${max})`,
    text,
  );
};

/** A whole number in [min, max] (exact in a double: the generic whole check caps it at 2^53). */
export const whole = (min: number, max = Number.MAX_SAFE_INTEGER, fact?: FieldSql['fact']) => {
  const text =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number of at least ${min} is required`
      : `a whole number in ${min}..${max} is required`;
  return field(z.number(text).int(text).min(min, text).max(max, text), {
    queue: 'Nullable(Float64)',
    parsed: 'Int64',
    whole: true,
    refuse: (c) => (max === Number.MAX_SAFE_INTEGER ? `${c} < ${min}` : `${c} NOT BETWEEN ${min} AND ${max}`),
    reason: showing(text),
    fact: fact ?? { type: 'Int64', select: (c) => c },
  });
};

/** The envelope's schema version: one literal per contract version. */
export const version = <const V extends number>(value: V) =>
  field(z.literal(value, { error: `expected ${value}` }), {
    queue: 'Nullable(Float64)',
    parsed: 'UInt8',
    whole: true,
    refuse: (c) => `${c} != ${value}`,
    reason: showing(`expected ${value}`),
    fact: { type: 'UInt8', select: (c) => c },
  });

/**
 * Milliseconds since the Unix epoch, in 2000-01-01 .. 2099-12-31T23:59:59.999: bounded so a
 * seconds-or-microseconds mix-up is refused instead of stored as 1970 or the year 50000.
 * The upper bound is exclusive on both sides (zod used to accept 2100-01-01 itself).
 */
export const EPOCH_MS_MIN = 946_684_800_000;
export const EPOCH_MS_MAX = 4_102_444_799_999;
export const epochMs = () => {
  const text = 'epoch milliseconds in 2000..2099 required';
  return field(z.number(text).int(text).min(EPOCH_MS_MIN, text).max(EPOCH_MS_MAX, text), {
    queue: 'Nullable(Float64)',
    parsed: 'Int64',
    whole: true,
    refuse: (c) => `${c} NOT BETWEEN ${EPOCH_MS_MIN} AND ${EPOCH_MS_MAX}`,
    reason: showing(text),
    fact: {
      type: "DateTime64(3, 'UTC')",
      codec: 'DoubleDelta, ZSTD(1)',
      select: (c) => `fromUnixTimestamp64Milli(${c}, 'UTC')`,
    },
  });
};

/** An IPv4 or IPv6 address, stored as IPv6 (IPv4 mapped); edges are in the property test. */
export const ip = () => {
  const text = 'an IPv4 or IPv6 address is required';
  return field(z.union([z.ipv4(), z.ipv6()], { error: text }), {
    queue: 'String',
    parsed: 'String',
    whole: false,
    refuse: (c) => `isNull(toIPv6OrNull(${c}))`,
    reason: quoting(text),
    fact: { type: 'IPv6', select: (c) => `toIPv6(${c})` },
  });
};

/** A list of `item`s, at most `max` (and at least `min`). */
export const list = <Z extends z.ZodType>(item: Field<Z>, min: number, max: number) => {
  const text = min > 0 ? `${min} to ${max} entries required` : `at most ${max} entries`;
  return field(z.array(item.zod).min(min, text).max(max, text), {
    queue: `Array(${item.sql.queue.replace(/^Nullable\((.*)\)$/, '$1')})`,
    parsed: `Array(${item.sql.parsed})`,
    whole: false,
    refuse: (c) =>
      `${min > 0 ? `length(${c}) NOT BETWEEN ${min} AND ${max}` : `length(${c}) > ${max}`} OR arrayExists(x -> ${item.sql.refuse('x')}, ${c})`,
    reason: fixed(`${text}, each one valid`),
    fact: {
      type: `Array(${item.sql.fact.type})`,
      select: (c) => `CAST(${c}, ${sqlString(`Array(${item.sql.fact.type})`)})`,
    },
  });
};
