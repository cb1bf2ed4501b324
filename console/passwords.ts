import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Console passwords, kept only as scrypt hashes: `scrypt$N$r$p$salt$hash` (base64 salt and
 * hash). N = 2^15, r = 8, p = 1 is OWASP's scrypt recommendation; the parameters travel
 * with the hash, so raising them later leaves old hashes verifiable.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
// 128 × N × r bytes, plus headroom: Node's 32 MiB default is exactly what N = 2^15 needs.
const maxmem = (N: number, r: number) => 256 * N * r;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...o, maxmem: maxmem(o.N, o.r) };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** False for a wrong password and for anything that is not a hash this module wrote. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const o = { N: Number(n), r: Number(r), p: Number(p) };
  if (![o.N, o.r, o.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), o);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A password for generated accounts (the demo user): 18 random bytes, URL-safe. */
export const randomPassword = (): string => randomBytes(18).toString('base64url');

/** The rules a chosen password must meet; the reason when it does not. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'at least 12 characters';
  if (password.length > 256) return 'at most 256 characters';
  return undefined;
}
