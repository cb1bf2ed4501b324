import { monotonicFactory } from 'ulid';
import type { Rng } from '../../lib/random.js';

/**
 * Identifiers drawn from the simulation's seeded stream, so a seed reproduces every
 * event_id too: ULIDs from a seeded PRNG, and counters for order, trade and transfer ids.
 */
export class SimIds {
  readonly #ulid: (time: number) => string;
  #order = 0;
  #trade = 0;
  #transfer = 0;

  constructor(rng: Rng) {
    this.#ulid = monotonicFactory(() => rng.next());
  }

  eventId(time: number): string {
    return this.#ulid(time);
  }

  orderId(): string {
    this.#order += 1;
    return `sim-o${this.#order}`;
  }

  tradeId(): string {
    this.#trade += 1;
    return `sim-t${this.#trade}`;
  }

  transferId(): string {
    this.#transfer += 1;
    return `sim-w${this.#transfer}`;
  }
}
