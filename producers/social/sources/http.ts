import { messageOf } from '../../../lib/errors.js';

export type FetchResult = { ok: true; body: string } | { ok: false; reason: string };

/**
 * GETs `url` with a deadline. A source that is down, slow or answers with an error is a
 * result to log and retry on the next poll, not an exception that stops the producer.
 */
export async function fetchText(url: string, timeoutMs: number, accept: string): Promise<FetchResult> {
  try {
    const response = await fetch(url, {
      headers: { accept, 'user-agent': 'tradewatch-sentiment/0.1' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    if (!response.ok) return { ok: false, reason: `${url}: HTTP ${response.status}` };
    return { ok: true, body };
  } catch (err) {
    return { ok: false, reason: `${url}: ${messageOf(err)}` };
  }
}
