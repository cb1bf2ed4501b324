import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfMatches, readCookie, SESSION_COOKIE, type Session, type Sessions } from './sessions.js';
import { type Role, roleAtLeast } from './users.js';

/**
 * The console's defences, each a small function the server wires in:
 *  - security headers on every answer (a strict CSP: scripts and styles only from /static);
 *  - Host check against DNS rebinding: a loopback console answers only to its own names;
 *  - CSRF on every state-changing request: a same-origin Origin (when sent), no cross-site
 *    Sec-Fetch-Site, and the session's synchronizer token (form field or X-CSRF-Token);
 *  - roles: viewer reads, analyst acts, admin manages accounts.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  // Browsers ignore HSTS over plain HTTP; behind a TLS proxy it pins HTTPS.
  'strict-transport-security': 'max-age=31536000',
};

export function hostAllowed(hostHeader: string | undefined, allowedNames: readonly string[]): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.replace(/:\d+$/, '');
  return allowedNames.includes(name.toLowerCase());
}

export function sessionOf(req: FastifyRequest, sessions: Sessions): Session | undefined {
  return sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
}

/** Why a state-changing request is refused, or undefined when it may proceed. */
export function csrfProblem(
  req: FastifyRequest,
  expectedToken: { matches(given: unknown): boolean },
): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host = '';
    try {
      host = new URL(origin).host;
    } catch {
      return 'unreadable Origin header';
    }
    if (host !== req.headers.host) return `cross-origin request from ${origin}`;
  } else if (origin === 'null') return 'opaque (null) origin';
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site') return 'cross-site request';
  const body = (req.body ?? {}) as Record<string, unknown>;
  const token = req.headers['x-csrf-token'] ?? body._csrf;
  if (!expectedToken.matches(token)) return 'missing or wrong CSRF token';
  return undefined;
}

export const sessionToken = (s: Session) => ({ matches: (given: unknown) => csrfMatches(s, given) });

/** Sends 401/403 and returns undefined unless the request has a session with at least `role`. */
export function requireRole(
  req: FastifyRequest,
  reply: FastifyReply,
  sessions: Sessions,
  role: Role,
): Session | undefined {
  const s = sessionOf(req, sessions);
  if (!s) {
    const wantsHtml = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
    if (wantsHtml) void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    else void reply.code(401).type('text/plain').send('sign in first\n');
    return undefined;
  }
  if (!roleAtLeast(s.user.role, role)) {
    void reply
      .code(403)
      .type('text/plain')
      .send(`forbidden: needs the ${role} role (you are ${s.user.role})\n`);
    return undefined;
  }
  return s;
}
