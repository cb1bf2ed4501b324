import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { readSecret } from '../../lib/config/secrets.js';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';
import { type Endpoint, endpointTypes } from './routes.js';

/**
 * API keys and what each may do. Only SHA-256 hashes of keys are stored: the keys file
 * can be read by operators without handing them the keys. A key is either
 *  - `server`: a secret for server-to-server callers (wallet, auth service, engine), or
 *  - `browser`: a publishable key, public by nature, usable only from its allowed Origins
 *    and only for browser actions, so a copied key cannot forge logins or withdrawals.
 * A server key may also require HMAC request signatures (./signature.ts): its
 * `signing_secret_envs` name the environment variables holding the shared secret, so the
 * keys file still holds nothing secret. Two names let a secret be rotated without downtime.
 */

/** HMAC secrets shorter than this are guessable offline from one signed request. */
export const SIGNING_SECRET_MIN_CHARS = 32;
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hash as 64 lower-case hex characters');
const originSchema = z.url({ protocol: /^https?$/ }).refine((u) => new URL(u).origin === u, {
  message: 'an origin: scheme://host[:port], no path or trailing slash',
});

const keyEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a lower-case key id'),
    kind: z.enum(['server', 'browser']),
    sha256: sha256Hex,
    endpoint: z.enum(['user', 'engine']),
    /** Event types this key may send; each must belong to its endpoint. */
    types: z.array(z.string()).min(1),
    /** `source` values this key may claim; absent means any. */
    sources: z.array(z.string().min(1).max(64)).min(1).optional(),
    /** Browser keys only: the Origins allowed to use it. */
    origins: z.array(originSchema).min(1).optional(),
    /** Requests per rate-limit window, overriding COLLECTOR_RATE_LIMIT_MAX_REQUESTS. */
    rate_limit_max_requests: z.number().int().positive().optional(),
    /** Server keys only: requests must be signed with the secret in one of these variables. */
    signing_secret_envs: z.array(envName).min(1).max(2).optional(),
  })
  .superRefine((key, ctx) => {
    const allowed = endpointTypes(key.endpoint);
    key.types.forEach((type, i) => {
      if (!allowed.includes(type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['types', i],
          message: `"${type}" is not sent to /${key.endpoint === 'user' ? 'v1/events' : 'v1/engine/events'}; expected one of ${allowed.join(', ')}`,
        });
      }
    });
    if (key.kind === 'browser') {
      if (!key.origins)
        ctx.addIssue({ code: 'custom', path: ['origins'], message: 'required for browser keys' });
      if (key.signing_secret_envs)
        ctx.addIssue({
          code: 'custom',
          path: ['signing_secret_envs'],
          message: 'browser keys cannot sign: a page cannot keep a secret',
        });
      if (key.endpoint !== 'user' || key.types.some((t) => t !== 'user.browser_action')) {
        ctx.addIssue({
          code: 'custom',
          path: ['types'],
          message: 'browser keys may only send user.browser_action',
        });
      }
    }
  });

export type KeyEntry = Readonly<z.infer<typeof keyEntrySchema>>;

export const keysFileSchema = z.object({ keys: z.array(keyEntrySchema) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.keys.forEach((key, i) => {
    if (seen.has(key.sha256))
      ctx.addIssue({ code: 'custom', path: ['keys', i, 'sha256'], message: 'duplicate key' });
    seen.add(key.sha256);
  });
});

export const hashKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new random key with a prefix that says what it is (secret or publishable). */
export function newKey(kind: KeyEntry['kind']): string {
  return `${kind === 'server' ? 'tw_sk_' : 'tw_pk_'}${randomBytes(24).toString('base64url')}`;
}

export class KeyRing {
  readonly #byHash: Map<string, KeyEntry>;
  readonly #signingSecrets: Map<string, readonly Buffer[]>;

  /** `signingSecrets`: by key hash (unique, unlike ids), the HMAC secrets of keys that require signatures. */
  constructor(
    entries: readonly KeyEntry[],
    signingSecrets: ReadonlyMap<string, readonly Buffer[]> = new Map(),
  ) {
    this.#byHash = new Map(entries.map((entry) => [entry.sha256, entry]));
    this.#signingSecrets = new Map(signingSecrets);
  }

  /** The secrets a key's requests must be signed with (any one verifies); none: unsigned. */
  signingSecrets(entry: KeyEntry): readonly Buffer[] {
    return this.#signingSecrets.get(entry.sha256) ?? [];
  }

  /**
   * The entry for a presented key, or undefined. The key is hashed before the lookup, so
   * lookup timing can only reveal something about a hash, never about the key; the final
   * comparison is constant-time anyway.
   */
  find(presented: string | undefined): KeyEntry | undefined {
    if (!presented || presented.length > 256) return undefined;
    const hash = hashKey(presented);
    const entry = this.#byHash.get(hash);
    if (!entry) return undefined;
    return timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(entry.sha256, 'hex')) ? entry : undefined;
  }

  /** Every Origin any browser key accepts (for CORS preflights that carry no key). */
  browserOrigins(): Set<string> {
    return new Set([...this.#byHash.values()].flatMap((entry) => entry.origins ?? []));
  }

  get size(): number {
    return this.#byHash.size;
  }
}

export function parseKeys(
  input: unknown,
  where: string,
  env: Record<string, string | undefined> = process.env,
): KeyRing {
  const parsed = keysFileSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, `invalid keys in ${where}: ${problems.join('; ')}`);
  }
  const secrets = new Map<string, Buffer[]>();
  const problems: string[] = [];
  parsed.data.keys.forEach((key, i) => {
    key.signing_secret_envs?.forEach((name, j) => {
      const value = readSecret(env, name);
      const at = `keys.${i}.signing_secret_envs.${j}`;
      if (value === undefined || value === '') problems.push(`${at}: ${name} (or ${name}_FILE) is not set`);
      else if (value.length < SIGNING_SECRET_MIN_CHARS)
        problems.push(`${at}: ${name} is shorter than ${SIGNING_SECRET_MIN_CHARS} characters`);
      else secrets.set(key.sha256, [...(secrets.get(key.sha256) ?? []), Buffer.from(value, 'utf8')]);
    });
  });
  if (problems.length > 0)
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, `invalid keys in ${where}: ${problems.join('; ')}`);
  return new KeyRing(parsed.data.keys, secrets);
}

export function loadKeyRing(path: string, env: Record<string, string | undefined> = process.env): KeyRing {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      `COLLECTOR_KEYS_FILE=${path}: not a readable JSON file`,
      {
        cause: err,
      },
    );
  }
  return parseKeys(raw, path, env);
}

export type { Endpoint };
