/**
 * A min-heap of timed steps: the simulation's single clock. Ties break by insertion
 * order, so equal times still run in one reproducible order.
 */
export interface Step<T> {
  time: number;
  seq: number;
  run: (time: number) => T;
}

export class Scheduler<T> {
  readonly #heap: Step<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  peekTime(): number | undefined {
    return this.#heap[0]?.time;
  }

  /** Times are rounded to whole milliseconds: events carry epoch ms as integers. */
  at(time: number, run: (time: number) => T): void {
    this.#heap.push({ time: Math.round(time), seq: this.#seq++, run });
    let i = this.#heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  pop(): Step<T> | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (top === undefined || last === undefined || this.#heap.length === 0) return top;
    this.#heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.#heap.length && this.#less(l, m)) m = l;
      if (r < this.#heap.length && this.#less(r, m)) m = r;
      if (m === i) return top;
      this.#swap(i, m);
      i = m;
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a] as Step<T>;
    const y = this.#heap[b] as Step<T>;
    return x.time < y.time || (x.time === y.time && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const t = this.#heap[a] as Step<T>;
    this.#heap[a] = this.#heap[b] as Step<T>;
    this.#heap[b] = t;
  }
}
