import type { ServerResponse } from 'node:http';
import type { Logger } from '../lib/log.js';

/**
 * Server-sent events for the live queue. One poller per console (not per browser) asks
 * ClickHouse for a change mark (newest alert and action) every interval while anyone
 * listens, and tells every listener when it moved; browsers then fetch the queue fragment
 * they are filtering on. A comment line every 15 s keeps proxies from closing idle streams.
 */
export class LiveHub {
  readonly #clients = new Set<ServerResponse>();
  /** Whose session opened each stream, so a signed-out user's streams can be ended. */
  readonly #owner = new WeakMap<ServerResponse, string>();
  #timer: NodeJS.Timeout | undefined;
  #mark = '';
  #busy = false;
  #heartbeat = 0;

  constructor(private readonly o: { changeMark: () => Promise<string>; intervalMs: number; log: Logger }) {}

  get listeners(): number {
    return this.#clients.size;
  }

  add(res: ServerResponse, headers: Record<string, string>, userName: string): void {
    this.#owner.set(res, userName);
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ mark: this.#mark })}\n\n`);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    this.#timer ??= setInterval(() => void this.#poll(), this.o.intervalMs);
  }

  /** Tells listeners now (after an action in this process), without waiting for the poll. */
  nudge(): void {
    void this.#poll();
  }

  async #poll(): Promise<void> {
    if (this.#clients.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#busy) return;
    this.#busy = true;
    try {
      const mark = await this.o.changeMark();
      if (mark !== this.#mark) {
        this.#mark = mark;
        this.#send(`event: change\ndata: ${JSON.stringify({ mark, at: Date.now() })}\n\n`);
      } else if (++this.#heartbeat * this.o.intervalMs >= 15_000) {
        this.#heartbeat = 0;
        this.#send(': keep-alive\n\n');
      }
    } catch (err) {
      this.o.log.warn({ err }, 'live queue poll failed; trying again at the next interval');
    } finally {
      this.#busy = false;
    }
  }

  #send(text: string): void {
    for (const res of this.#clients) res.write(text);
  }

  /** Ends the streams a user opened (account disabled or role changed). */
  endUser(userName: string): void {
    for (const res of this.#clients)
      if (this.#owner.get(res) === userName) {
        this.#clients.delete(res);
        res.end();
      }
  }

  close(): void {
    clearInterval(this.#timer);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}
