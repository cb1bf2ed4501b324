import { describeFetchError, retryAfterMs } from './text.js';
import type { SendResult } from './types.js';

/**
 * The request every channel makes: POST the rendered message, abandoned when the caller's
 * signal fires or the channel's timeout passes. A network failure or timeout comes back as
 * a retriable result rather than a throw, so each channel only judges the answer.
 */
export async function postMessage(
  url: string,
  message: { body: string; headers: Record<string, string> },
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Response | SendResult> {
  try {
    return await fetch(url, {
      method: 'POST',
      body: message.body,
      headers: message.headers,
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (err) {
    return { ok: false, status: 0, retriable: true, error: describeFetchError(err) };
  }
}

/** A 429: retriable after what the peer asked for (its own field, else Retry-After, else 1 s). */
export function rateLimited(res: Response, retryAfterSeconds?: number): SendResult {
  return {
    ok: false,
    status: 429,
    retriable: true,
    retryAfterMs:
      typeof retryAfterSeconds === 'number'
        ? retryAfterSeconds * 1000
        : (retryAfterMs(res.headers.get('retry-after')) ?? 1000),
    error: 'rate limited',
  };
}

/** How a channel whose peer answers by HTTP status alone reads a failed answer. */
export interface StatusJudge {
  retriable: (status: number) => boolean;
  /** `body`: the answer's first 100 characters (never more of a peer's text in an error). */
  error: (status: number, body: string) => string;
}

/**
 * Posts `message` and judges the answer by its status: 2xx delivered, 429 rate limited,
 * anything else a failure as `judge` reads it; a network failure or timeout as postMessage's.
 */
export async function postJudgedByStatus(
  url: string,
  message: { body: string; headers: Record<string, string> },
  signal: AbortSignal,
  timeoutMs: number,
  judge: StatusJudge,
): Promise<SendResult> {
  const res = await postMessage(url, message, signal, timeoutMs);
  if (!(res instanceof Response)) return res;
  const body = (await res.text().catch(() => '')).slice(0, 100);
  if (res.ok) return { ok: true, status: res.status };
  if (res.status === 429) return rateLimited(res);
  return {
    ok: false,
    status: res.status,
    retriable: judge.retriable(res.status),
    error: judge.error(res.status, body),
  };
}
