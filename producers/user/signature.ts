import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC request signatures for server-to-server callers, the scheme the notifier's webhooks
 * use in the other direction: `X-Tradewatch-Timestamp: <epoch seconds>` and
 * `X-Tradewatch-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 * A leaked API key alone then cannot send events, a captured request cannot be altered,
 * and it can be replayed only within the timestamp window (event ids make that harmless).
 */
export const TIMESTAMP_HEADER = 'x-tradewatch-timestamp';
export const SIGNATURE_HEADER = 'x-tradewatch-signature';

const hmac = (secret: string | Buffer, timestamp: string, body: string | Buffer): Buffer =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** The signature header's value for a request: what callers (and tests) send. */
export function signRequest(secret: string | Buffer, timestamp: string, body: string | Buffer): string {
  return `v1=${hmac(secret, timestamp, body).toString('hex')}`;
}

export type HeaderCheck =
  | { ok: true; timestamp: string; signatures: Buffer[] }
  | { ok: false; reason: string };

/**
 * What can be judged before the body is read: both headers present and well formed, and
 * the timestamp inside the window (either side: a clock ahead is as suspect as one behind).
 */
export function checkSignatureHeaders(
  headers: Record<string, string | string[] | undefined>,
  windowS: number,
  nowMs = Date.now(),
): HeaderCheck {
  const timestamp = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || timestamp === '')
    return { ok: false, reason: 'missing X-Tradewatch-Timestamp header; this key requires signed requests' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'X-Tradewatch-Timestamp must be Unix epoch seconds' };
  const skewS = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skewS > windowS)
    return {
      ok: false,
      reason: `stale timestamp: X-Tradewatch-Timestamp is ${skewS} s from the server's clock; the window is ${windowS} s`,
    };
  if (typeof signature !== 'string' || signature === '')
    return { ok: false, reason: 'missing X-Tradewatch-Signature header; this key requires signed requests' };
  // Several v1= values are allowed so a caller can sign with an old and a new secret while rotating.
  const signatures = signature
    .split(',')
    .map((part) => /^\s*v1=([0-9a-f]{64})\s*$/i.exec(part)?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Buffer.from(hex, 'hex'));
  if (signatures.length === 0)
    return { ok: false, reason: 'X-Tradewatch-Signature must be v1=<64 hex characters of HMAC-SHA256>' };
  return { ok: true, timestamp, signatures };
}

/** Whether any presented signature matches any of the key's secrets; compared in constant time. */
export function verifySignature(
  secrets: readonly Buffer[],
  timestamp: string,
  signatures: readonly Buffer[],
  body: Buffer,
): boolean {
  let match = false;
  // Every pair is compared (no early exit), so timing says nothing about which one matched.
  for (const secret of secrets) {
    const expected = hmac(secret, timestamp, body);
    for (const presented of signatures) match = timingSafeEqual(expected, presented) || match;
  }
  return match;
}
