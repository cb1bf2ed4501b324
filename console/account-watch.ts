import type { Logger } from '../lib/log.js';
import type { LiveHub } from './live.js';
import type { Sessions } from './sessions.js';
import type { UserStore } from './users.js';

/**
 * Sessions live in this process, accounts in ClickHouse: `tradewatch console user disable`
 * (another process) cannot reach the sessions directly. While anyone is signed in, this
 * reads the accounts every interval and signs out, everywhere, a user whose account is now
 * disabled, gone or has another role (their live streams end too): a disabled account's
 * open tab stops working within one interval, not when its session expires.
 */
export class AccountWatch {
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    private readonly o: {
      users: UserStore;
      sessions: Sessions;
      live: LiveHub;
      intervalMs: number;
      log: Logger;
      onSignedOut?: (userName: string, reason: string) => void;
    },
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.check(), this.o.intervalMs);
    this.#timer.unref();
  }

  /** One pass; exported for the interval and for a check right after sign-in changes. */
  async check(): Promise<void> {
    const signedIn = this.o.sessions.signedIn();
    if (signedIn.size === 0 || this.#busy) return;
    this.#busy = true;
    try {
      const accounts = new Map((await this.o.users.list()).map((u) => [u.user_name, u]));
      for (const [name, role] of signedIn) {
        const account = accounts.get(name);
        const reason = !account
          ? 'account removed'
          : account.disabled
            ? 'account disabled'
            : account.role !== role
              ? `role changed to ${account.role}`
              : undefined;
        if (!reason) continue;
        this.o.sessions.destroyUser(name);
        this.o.live.endUser(name);
        this.o.log.warn({ user: name, reason }, 'signed out everywhere');
        this.o.onSignedOut?.(name, reason);
      }
    } catch (err) {
      this.o.log.warn({ err }, 'account check failed; trying again at the next interval');
    } finally {
      this.#busy = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
