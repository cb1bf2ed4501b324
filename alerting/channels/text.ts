/** Text helpers shared by the chat transports: limits are in UTF-16 units, as the APIs count. */

/** Cuts `text` to at most `max` characters, marking the cut, without splitting a surrogate pair. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** Evidence JSON pretty-printed when it parses, as given otherwise. */
export function prettyEvidence(evidence: string): string {
  try {
    return JSON.stringify(JSON.parse(evidence), null, 1);
  } catch {
    return evidence;
  }
}

export const SEVERITY_MARK: Record<string, string> = {
  critical: '🔴',
  high: '🟠',
  warning: '🟡',
  info: '🔵',
};

export function headline(
  kind: string,
  alertCount: number,
  first: { severity: string; title: string },
): string {
  const prefix =
    kind === 'resolved'
      ? '✅ RESOLVED'
      : kind === 'repeat'
        ? '🔁 STILL FIRING'
        : `${SEVERITY_MARK[first.severity] ?? ''} ${first.severity.toUpperCase()}`;
  return alertCount > 1 ? `${prefix}: ${alertCount} × ${first.title}` : `${prefix}: ${first.title}`;
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), in ms. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** A failed fetch as a short, safe reason: never the peer's body verbatim beyond a snippet. */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `request failed${cause}`.slice(0, 200);
}
