/**
 * A rolling one-hour budget of requests: at most `perHour` in any 60 minutes. Spending is
 * refused, not queued, so the caller falls back to the lexicon instead of waiting.
 */
export class HourlyBudget {
  readonly #perHour: number;
  readonly #now: () => number;
  /** Times of the requests in the last hour, oldest first; never longer than perHour. */
  readonly #spent: number[] = [];

  constructor(perHour: number, now: () => number = Date.now) {
    this.#perHour = perHour;
    this.#now = now;
  }

  tryTake(): boolean {
    const now = this.#now();
    while (this.#spent.length > 0 && (this.#spent[0] as number) <= now - 3_600_000) this.#spent.shift();
    if (this.#spent.length >= this.#perHour) return false;
    this.#spent.push(now);
    return true;
  }

  remaining(): number {
    const now = this.#now();
    return this.#perHour - this.#spent.filter((t) => t > now - 3_600_000).length;
  }
}
