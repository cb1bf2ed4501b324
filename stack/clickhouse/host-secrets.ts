import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The embedded host's users' passwords, generated on first start and kept beside its data. */
export interface HostSecrets {
  /** The schema owner's (CLICKHOUSE_USER) password: migrations, services, tests, the CLI. */
  password: string;
  /** The read-only `analyst` user's password (`tradewatch sql` may use either). */
  analystPassword: string;
}

/** Where the host keeps its passwords: `<data dir>/../clickhouse-secrets.json`, mode 0600. */
export const hostSecretsFile = (dataDir: string): string => join(dirname(dataDir), 'clickhouse-secrets.json');

const newPassword = () => randomBytes(24).toString('base64url');

/**
 * Reads the host's passwords, creating them on first start. A password given in the
 * environment wins for the owner; the file keeps the rest, so a restarted host (and every
 * client that read the file) keeps working. Written 0600: only this account can read it.
 */
export function loadHostSecrets(dataDir: string, givenPassword: string): HostSecrets {
  const file = hostSecretsFile(dataDir);
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<HostSecrets>) : {};
  const secrets: HostSecrets = {
    password: givenPassword || stored.password || newPassword(),
    analystPassword: stored.analystPassword || newPassword(),
  };
  if (secrets.password !== stored.password || secrets.analystPassword !== stored.analystPassword) {
    writeFileSync(file, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
  }
  return secrets;
}

/** `KEY=value` lines for a stack.env, written 0600 because it holds the passwords. */
export function writeStackEnv(file: string, env: Record<string, string>): void {
  const text = Object.entries(env)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
}
