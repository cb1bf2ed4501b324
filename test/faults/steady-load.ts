import type { Kafka } from 'kafkajs';
import { aTrade } from '../../alerting/testing/market-builders.js';
import type { Config } from '../../lib/config/config.js';
import { marketTopics } from '../../lib/contracts/market.js';
import { userTopics } from '../../lib/contracts/user.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { sleep, waitFor } from '../../lib/time.js';
import { aLogin } from '../engine-user-builders.js';
import { faultLog, quietKafkaLog } from './fault-stack.js';

export const FAULT_VENUE = 'fault-venue';
export const FAULT_ACCOUNTS = Array.from({ length: 8 }, (_, i) => `fault-acc-${i}`);

/**
 * Which event_ids a producer tried and which the broker acknowledged. Only acknowledged
 * ids are promised: a send that failed may or may not have reached the log.
 */
export class Ledger {
  readonly attempted = new Set<string>();
  readonly acknowledged = new Set<string>();
  failedSends = 0;

  tried(ids: readonly string[]): void {
    for (const id of ids) this.attempted.add(id);
  }

  acked(ids: readonly string[]): void {
    for (const id of ids) this.acknowledged.add(id);
  }
}

export interface SteadyLoad {
  trades: Ledger;
  logins: Ledger;
  /** Resolves once every acknowledgement that will ever come has come. */
  stop(): Promise<void>;
  /** Resolves once `n` more batches of each family were acknowledged. */
  acknowledgedBatches(n: number, timeoutMs?: number): Promise<void>;
}

/**
 * Trades and logins through the platform's EventProducer, a batch of each every
 * `intervalMs`, each batch's ids recorded before the send and again once acknowledged.
 * A failed send is counted and the loop goes on, as a producer service would.
 */
export async function startSteadyLoad(
  kafka: Kafka,
  config: Config,
  options: { batch?: number; intervalMs?: number } = {},
): Promise<SteadyLoad> {
  const batch = options.batch ?? 20;
  const intervalMs = options.intervalMs ?? 100;
  const producer = await EventProducer.connect(kafka, config, quietKafkaLog);
  const trades = new Ledger();
  const logins = new Ledger();
  let stopped = false;
  let ackedBatches = 0;
  let seq = 0;

  const loop = async <E extends { event_id: string }>(
    ledger: Ledger,
    send: (events: E[]) => Promise<unknown>,
    make: (i: number) => E,
  ) => {
    while (!stopped) {
      const events = Array.from({ length: batch }, (_, i) => make(i));
      const ids = events.map((e) => e.event_id);
      ledger.tried(ids);
      try {
        await send(events);
        ledger.acked(ids);
        ackedBatches += 1;
      } catch (err) {
        ledger.failedSends += 1;
        faultLog.warn({ err: (err as Error).message }, 'send failed; the batch is not acknowledged');
      }
      await sleep(intervalMs);
    }
  };
  const running = Promise.all([
    loop(
      trades,
      (events) => producer.produce(marketTopics.marketTrades, events),
      () => aTrade(Date.now(), { venue: FAULT_VENUE, symbol: 'FAULTUSDT', trade_id: `ft-${seq++}` }),
    ),
    loop(
      logins,
      (events) => producer.produce(userTopics.userLogins, events),
      (i) => aLogin({ account_id: FAULT_ACCOUNTS[i % FAULT_ACCOUNTS.length] as string }),
    ),
  ]);
  return {
    trades,
    logins,
    stop: async () => {
      stopped = true;
      await running;
      await producer.close();
    },
    acknowledgedBatches: async (n, timeoutMs = 60_000) => {
      const target = ackedBatches + n * 2;
      await waitFor(
        `${n} more acknowledged batches`,
        async () => (ackedBatches >= target ? true : undefined),
        {
          timeoutMs,
          intervalMs: 50,
        },
      );
    },
  };
}
