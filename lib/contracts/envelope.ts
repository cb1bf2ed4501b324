import { monotonicFactory } from 'ulid';
import { z } from 'zod';

/**
 * The envelope every event carries, whatever its family. Fields are flat (not nested under
 * `envelope`) so ClickHouse's Kafka engine reads them as columns with no JSON extraction.
 */

/** A ULID: 26 Crockford base-32 characters, sortable by creation time. */
export const eventIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a 26-character ULID');

/**
 * Milliseconds since the Unix epoch. Bounded so a seconds-or-microseconds mix-up is
 * refused instead of stored as a date in 1970 or the year 50000.
 */
export const epochMsSchema = z
  .number()
  .int('a whole number of milliseconds')
  .min(946_684_800_000, 'on or after 2000-01-01 (milliseconds, not seconds)')
  .max(4_102_444_800_000, 'before 2100-01-01 (milliseconds, not microseconds)');

export const envelopeShape = {
  event_id: eventIdSchema,
  /** Which producer or integration emitted the event, e.g. `binance-futures` or `sample`. */
  source: z.string().min(1).max(64),
  /** When it happened at the origin (venue or system clock). */
  occurred_at: epochMsSchema,
  /** When our producer handed it to Kafka. */
  produced_at: epochMsSchema,
  schema_version: z.number().int().positive(),
} as const;

const nextUlid = monotonicFactory();

/** A new sortable, unique event id (monotonic within this process). */
export function newEventId(now = Date.now()): string {
  return nextUlid(now);
}
