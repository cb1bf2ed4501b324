import { ErrorCode, TradewatchError } from './errors.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value other than undefined, or fails with the last
 * observation once `timeoutMs` has passed. Tests and start-up code wait on conditions
 * with a deadline instead of sleeping for a guessed time.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  {
    timeoutMs,
    intervalMs = 100,
    giveUpIf,
  }: {
    timeoutMs: number;
    intervalMs?: number;
    /** Returns a reason when waiting longer is pointless (the process being waited on died). */
    giveUpIf?: () => string | undefined;
  },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    const hopeless = giveUpIf?.();
    if (hopeless !== undefined) {
      throw new TradewatchError(ErrorCode.TIMEOUT, `gave up waiting for ${what}: ${hopeless}`, {
        cause: lastError,
      });
    }
    if (Date.now() >= deadline) {
      throw new TradewatchError(ErrorCode.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${what}`, {
        cause: lastError,
        retriable: true,
      });
    }
    await sleep(intervalMs);
  }
}
