import type { SimEvent } from '../exchange.js';
import { defineScenario, type ScenarioHandle } from './scenario.js';

/**
 * Faults of the producers that feed the pipeline, for the pipeline rules. Each sends real
 * events through the real producer (EventProducer validates them against the contract, the
 * refused ones go to `<topic>.dlq` and from there to `dead_letters`), so the condition arises
 * where it would in production; each planted case and its control use different topics or
 * facts, because the rules' entity is the topic or the fact.
 */

interface BrokenRelease {
  /** How many events the release sends with the breaking change. */
  count: [number, number];
  /** Spread over this many ms. */
  spreadMs: number;
}

/**
 * A login service release that sends `ip:port` in the `ip` field (the contract wants an
 * address): every login it produces is refused by the contract and dead-lettered.
 */
const loginRelease = (h: ScenarioHandle, release: BrokenRelease): void => {
  const n = h.rng.int(...release.count);
  h.label('pipeline', 'user.logins', { refused: n, reason: 'ip carries a port' });
  for (let i = 0; i < n; i += 1) {
    const who = h.rng.pick(h.customers);
    h.at(Math.round((i * release.spreadMs) / n), (t) => [
      h.exchange.login(
        t,
        who,
        `${who.ips[0]}:${h.rng.int(1024, 65535)}`,
        who.devices[0] as string,
        'success',
      ),
    ]);
  }
};

/** Planted for dead-letter-surge: a breaking release refused 30–40 times in 20 s. */
export const brokenProducer = defineScenario(
  'broken-producer',
  'a login service release sends ip:port in the ip field: 30-40 logins refused by the contract in 20 s',
  (h) => loginRelease(h, { count: [30, 40], spreadMs: 20_000 }),
);

/**
 * Negative control for dead-letter-surge: one malformed withdrawal (a negative amount, a
 * client bug) on its own, the isolated bad event every busy topic sees now and then.
 */
export const strayBadEvent = defineScenario(
  'stray-bad-event',
  'negative control: one withdrawal event with a negative amount, refused and dead-lettered on its own',
  (h) => {
    const who = h.rng.pick(h.customers);
    h.label('pipeline', 'user.funds', { refused: 1, reason: 'negative amount' });
    h.at(0, (t) => [
      h.exchange.transfer(
        t,
        'withdrawal',
        h.exchange.newTransferId(),
        who.id,
        'USDT',
        -250,
        who.addresses[0] as string,
        'requested',
      ),
    ]);
  },
);

interface HeldBatch {
  fact: 'user_funds' | 'user_logins';
  count: number;
  /** How long the producer held the batch before Kafka took it (ms, drawn in this range). */
  heldMs: [number, number];
}

/**
 * A producer cut off from the broker keeps what it produced and hands it over on reconnect
 * (when the scenario starts): each event keeps the `produced_at` stamped when it was made,
 * `heldMs` (and up to a second more) earlier, so ClickHouse ingests it that late. Deposits (user_funds) or logins (user_logins) of ordinary customers.
 */
const heldBatch = (h: ScenarioHandle, batch: HeldBatch): void => {
  const heldMs = h.rng.int(...batch.heldMs);
  h.label('pipeline', `fact:${batch.fact}`, { events: batch.count, held_ms: heldMs });
  h.at(0, (t) =>
    Array.from({ length: batch.count }, (_, i): SimEvent => {
      const who = h.rng.pick(h.customers);
      const made = t - heldMs - Math.round((i * 1_000) / batch.count);
      const event =
        batch.fact === 'user_funds'
          ? h.exchange.transfer(
              made,
              'deposit',
              h.exchange.newTransferId(),
              who.id,
              'USDT',
              h.rng.int(50, 900),
              who.addresses[0] as string,
              'completed',
            )
          : h.exchange.login(made, who, who.ips[0] as string, who.devices[0] as string, 'success');
      return { ...event, heldMs: t - made };
    }),
  );
};

/** Planted for ingestion-lag: 60 deposits held 80–95 s by a producer that lost the broker. */
export const lateBatch = defineScenario(
  'late-batch',
  'a funds producer cut off from the broker hands over 60 deposits 80-95 s after it stamped them',
  (h) => heldBatch(h, { fact: 'user_funds', count: 60, heldMs: [80_000, 95_000] }),
);

/** Negative control for ingestion-lag: the same flush after a 15–25 s stall, within tolerance. */
export const lateWithinTolerance = defineScenario(
  'late-within-tolerance',
  'negative control: a login producer stalls 15-25 s and hands over 60 logins late, within tolerance',
  (h) => heldBatch(h, { fact: 'user_logins', count: 60, heldMs: [15_000, 25_000] }),
);
