import { newEventId } from '../../lib/contracts/envelope.js';
import { messageOf } from '../../lib/errors.js';
import type { VenueContext } from './venue.js';

/** Helpers shared by venue files: envelopes, number parsing, duplicate guards. */

/** The envelope and timing fields of a market event from `source` at `venue`. */
export function marketFields<T extends string>(
  type: T,
  venue: string,
  source: string,
  symbol: string,
  occurredAt: number,
  receivedAt: number,
): {
  event_id: string;
  type: T;
  source: string;
  schema_version: 1;
  venue: string;
  symbol: string;
  occurred_at: number;
  received_at: number;
  produced_at: number;
} {
  return {
    event_id: newEventId(receivedAt),
    type,
    source,
    schema_version: 1,
    venue,
    symbol,
    occurred_at: occurredAt,
    received_at: receivedAt,
    produced_at: Date.now(),
  };
}

/** A decimal string (or number) as a double; NaN when it is not one, for the contract to refuse. */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.length > 0) return Number(value);
  return Number.NaN;
}

/** `[[price, size], …]` as parallel arrays, or undefined when any level is not two numbers. */
export function parseLevels(value: unknown): { prices: number[]; sizes: number[] } | undefined {
  if (!Array.isArray(value)) return undefined;
  const prices: number[] = new Array(value.length);
  const sizes: number[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const level = value[i];
    if (!Array.isArray(level) || level.length < 2) return undefined;
    const price = num(level[0]);
    const size = num(level[1]);
    if (!(price > 0) || !(size >= 0) || !Number.isFinite(price) || !Number.isFinite(size)) return undefined;
    prices[i] = price;
    sizes[i] = size;
  }
  return { prices, sizes };
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A frame as a JSON object, or undefined after rejecting it (unreadable JSON, or not an object). */
export function readObject(frame: string, ctx: VenueContext): Record<string, unknown> | undefined {
  let message: unknown;
  try {
    message = JSON.parse(frame);
  } catch (err) {
    ctx.reject(frame, `invalid JSON: ${messageOf(err)}`);
    return undefined;
  }
  if (isObject(message)) return message;
  ctx.reject(frame, 'not a JSON object');
  return undefined;
}

/** A whole number id from the wire, or NaN. */
export const intOf = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : Number.NaN;

/**
 * Remembers the last few thousand keys per stream, so an event delivered by two overlapping
 * connections (a planned reconnect) is published once. Bounded: the oldest key is forgotten.
 */
export class RecentKeys {
  readonly #keys = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 8192) {
    this.#capacity = capacity;
  }

  /** True the first time `key` is seen (and remembers it), false for a repeat. */
  firstTime(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.#capacity) {
      const oldest = this.#keys.values().next().value as string;
      this.#keys.delete(oldest);
    }
    return true;
  }
}

/** The last id seen per key, for ids that only grow (Binance aggregate-trade and book ids). */
export class MonotonicIds {
  readonly #last = new Map<string, number>();

  /** True when `id` is newer than the last one seen for `key` (and records it). */
  advance(key: string, id: number): boolean {
    const last = this.#last.get(key);
    if (last !== undefined && id <= last) return false;
    this.#last.set(key, id);
    return true;
  }
}
