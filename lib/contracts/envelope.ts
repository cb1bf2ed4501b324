import { monotonicFactory } from 'ulid';
import { epochMs, LOW_CARDINALITY, literal, text, ulid, version } from './fields.js';

/**
 * The envelope every event carries, whatever its family. Fields are flat (not nested under
 * `envelope`) so ClickHouse's Kafka engine reads them as columns with no JSON extraction.
 */

/** A ULID: 26 Crockford base-32 characters, sortable by creation time. */
export const eventIdSchema = ulid().zod;

/**
 * Milliseconds since the Unix epoch. Bounded so a seconds-or-microseconds mix-up is
 * refused instead of stored as a date in 1970 or the year 50000.
 */
export const epochMsSchema = epochMs().zod;

/** The envelope of a contract whose `type` is `type` and version `schemaVersion`. */
export const envelopeFields = <const T extends string>(type: T, schemaVersion = 1 as const) => ({
  event_id: ulid(),
  type: literal(type),
  /** Which producer or integration emitted the event, e.g. `binance-futures` or `sample`. */
  source: text(1, 64, LOW_CARDINALITY),
  schema_version: version(schemaVersion),
  /** When it happened at the origin (venue or system clock). */
  occurred_at: epochMs(),
  /** When our producer handed it to Kafka. */
  produced_at: epochMs(),
});

const nextUlid = monotonicFactory();

/** A new sortable, unique event id (monotonic within this process). */
export function newEventId(now = Date.now()): string {
  return nextUlid(now);
}
