import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConsoleUser } from './users.js';

/**
 * Signed-in sessions, held in this process's memory: a restart signs everyone out, which
 * is acceptable for one console per database and keeps no bearer secret at rest. The
 * cookie carries a random 32-byte token; only its SHA-256 is kept here, so a heap dump
 * does not hand out live sessions. Each session has its own CSRF token (synchronizer
 * pattern), sent back in forms and the X-CSRF-Token header.
 */
export interface Session {
  user: ConsoleUser;
  csrf: string;
  expiresAt: number;
}

/** __Host- binds the cookie to this origin: Secure, Path=/ and no Domain are required. */
export const SESSION_COOKIE = '__Host-tradewatch_session';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export class Sessions {
  readonly #byDigest = new Map<string, Session>();

  constructor(private readonly ttlMs: number) {}

  create(user: ConsoleUser): { token: string; session: Session } {
    this.#sweep();
    const token = randomBytes(32).toString('base64url');
    const session = { user, csrf: randomBytes(32).toString('base64url'), expiresAt: Date.now() + this.ttlMs };
    this.#byDigest.set(digest(token), session);
    return { token, session };
  }

  get(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const key = digest(token);
    const s = this.#byDigest.get(key);
    if (!s) return undefined;
    if (s.expiresAt <= Date.now()) {
      this.#byDigest.delete(key);
      return undefined;
    }
    return s;
  }

  destroy(token: string | undefined): void {
    if (token) this.#byDigest.delete(digest(token));
  }

  /** Signs a user out everywhere (account disabled or role changed). */
  destroyUser(userName: string): void {
    for (const [k, s] of this.#byDigest) if (s.user.user_name === userName) this.#byDigest.delete(k);
  }

  /** Each signed-in user once, with the role their sessions carry. */
  signedIn(): Map<string, ConsoleUser['role']> {
    this.#sweep();
    return new Map([...this.#byDigest.values()].map((s) => [s.user.user_name, s.user.role]));
  }

  get size(): number {
    return this.#byDigest.size;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [k, s] of this.#byDigest) if (s.expiresAt <= now) this.#byDigest.delete(k);
  }
}

export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(session.csrf));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${maxAgeS}`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
