import { z } from 'zod';

/**
 * Identifiers the exchange's own systems hand us (accounts, orders, trades, keys):
 * printable ASCII without spaces, 1 to 64 characters. Bounded so one bad writer cannot
 * fill a ClickHouse sort key with megabytes, and space-free so they survive logs and URLs.
 */
export const idSchema = z
  .string()
  .min(1, 'at least 1 character')
  .max(64, 'at most 64 characters')
  .regex(/^[\x21-\x7E]+$/, 'printable ASCII without spaces');

/** Amounts, prices and sizes: positive IEEE doubles (monitoring compares them, it does not settle). */
export const positiveAmountSchema = z.number().positive().finite();

export const sideSchema = z.enum(['buy', 'sell']);
