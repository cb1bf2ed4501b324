/**
 * Deterministic pseudo-random numbers (mulberry32): the same seed gives the same sequence
 * on every machine, so a synthetic feed or a simulation can be replayed exactly.
 * Not for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Convenience draws over one seeded stream; every draw advances the same state. */
export class Rng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.#next() * items.length)] as T;
  }

  /** Exponentially distributed with the given mean: waiting times of a Poisson process. */
  exponential(mean: number): number {
    return -Math.log(1 - this.#next()) * mean;
  }

  /** Standard normal (Box–Muller), for price noise. */
  normal(): number {
    const u = 1 - this.#next();
    const v = this.#next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A new independent stream derived from this one (a scenario gets its own). */
  fork(): Rng {
    return new Rng(Math.floor(this.#next() * 4_294_967_296));
  }
}
