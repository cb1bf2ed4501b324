import type { ClickHouseClient } from '../../lib/clickhouse/client.js';
import { queryNumber, queryRows } from '../../lib/clickhouse/client.js';
import { waitFor } from '../../lib/time.js';
import { faultLog } from './fault-stack.js';
import type { Ledger } from './steady-load.js';
import { FAULT_ACCOUNTS, FAULT_VENUE } from './steady-load.js';

/** What one family of events looks like in ClickHouse once ingestion has caught up. */
export interface IngestOutcome {
  sent: number;
  acknowledged: number;
  /** Distinct event_ids stored, among those sent (an unacknowledged send may have landed). */
  stored: number;
  /** Acknowledged ids missing from the fact table. */
  lost: string[];
  /** Rows beyond one per event_id in the fact table without FINAL (redelivered copies not yet merged). */
  rawDuplicates: number;
  /** Rows beyond one per event_id that a reader sees: FINAL count and the rollup's sum. */
  visibleDuplicates: number;
  /** Distinct ids in the table, `count() … FINAL` and the rollup's sum: all three must agree. */
  distinct: number;
  finalCount: number;
  rollupCount: number;
}

interface Family {
  table: string;
  /** A rollup whose counter sums to the number of distinct events. */
  rollup: string;
}

const families = {
  trades: {
    table: 'market_trades',
    rollup: `SELECT sum(trades) FROM market_1m FINAL WHERE venue = '${FAULT_VENUE}'`,
  },
  logins: {
    table: 'user_logins',
    rollup: `SELECT sum(logins) FROM user_risk_daily FINAL WHERE account_id IN (${FAULT_ACCOUNTS.map((a) => `'${a}'`).join(',')})`,
  },
} satisfies Record<string, Family>;

/**
 * Recovery after a restart: waits until every id acknowledged so far (including one batch
 * acknowledged after the restart, so the whole path flows again) is in its fact table;
 * returns the milliseconds since `restartedAt`, or Infinity when that did not happen in
 * time (the case then goes on to count what is missing, and its assertions fail).
 */
export async function recoveredAfter(
  clickhouse: ClickHouseClient,
  ledgers: Partial<Record<keyof typeof families, Ledger>>,
  restartedAt: number,
  timeoutMs = 180_000,
): Promise<number> {
  for (const family of ['trades', 'logins'] as const) {
    const wanted = [...(ledgers[family]?.acknowledged ?? [])];
    const recovered = await waitFor(
      `${wanted.length} acknowledged ${family} in ${families[family].table}`,
      async () => {
        const ids = await storedIds(clickhouse, families[family].table);
        return wanted.every((id) => ids.has(id)) ? true : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    ).catch((err: unknown) => {
      faultLog.error({ err: (err as Error).message }, 'not recovered in time');
      return false;
    });
    if (recovered === false) return Number.POSITIVE_INFINITY;
  }
  return Date.now() - restartedAt;
}

/** Keeps redelivered copies in the raw table until the end of the case, so they can be counted. */
export async function holdMerges(clickhouse: ClickHouseClient): Promise<void> {
  for (const family of Object.values(families))
    await clickhouse.command({ query: `SYSTEM STOP MERGES ${family.table}` });
}

const storedIds = async (clickhouse: ClickHouseClient, table: string): Promise<Set<string>> =>
  new Set(
    (
      await queryRows<{ id: string }>(clickhouse, `SELECT DISTINCT toString(event_id) AS id FROM ${table}`)
    ).map((r) => r.id),
  );

/**
 * Waits until every acknowledged id of `family` is in its fact table (or the deadline), then
 * until the rollup has caught up, and measures loss and duplicates. The counts are taken
 * over the whole database: a fault stack holds only the case's events.
 */
export async function checkIngest(
  clickhouse: ClickHouseClient,
  family: keyof typeof families,
  ledger: Ledger,
  timeoutMs = 120_000,
): Promise<IngestOutcome> {
  const { table, rollup } = families[family];
  let ids = new Set<string>();
  const missing = () => [...ledger.acknowledged].filter((id) => !ids.has(id));
  try {
    await waitFor(
      `every acknowledged ${family} event in ${table}`,
      async () => {
        ids = await storedIds(clickhouse, table);
        return missing().length === 0 ? true : undefined;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch {
    // Reported as lost below: the table says which ids never arrived.
  }
  const stored = [...ledger.attempted].filter((id) => ids.has(id)).length;
  // The rollups refresh every 5 s from FINAL facts; wait until they have seen every stored event.
  const rollupSum = await waitFor(
    `the ${family} rollup to count ${ids.size} events`,
    async () => {
      const n = await queryNumber(clickhouse, rollup);
      return n >= ids.size ? n : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  ).catch(() => queryNumber(clickhouse, rollup));
  const raw = await queryNumber(clickhouse, `SELECT count() FROM ${table}`);
  const final = await queryNumber(clickhouse, `SELECT count() FROM ${table} FINAL`);
  return {
    sent: ledger.attempted.size,
    acknowledged: ledger.acknowledged.size,
    stored,
    lost: missing(),
    rawDuplicates: raw - ids.size,
    visibleDuplicates: Math.max(final - ids.size, rollupSum - ids.size, 0),
    distinct: ids.size,
    finalCount: final,
    rollupCount: rollupSum,
  };
}
