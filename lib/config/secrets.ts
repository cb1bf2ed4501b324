import { readFileSync } from 'node:fs';
import { ErrorCode, messageOf, TradewatchError } from '../errors.js';

type Env = Record<string, string | undefined>;

/**
 * A secret from the environment: `NAME` itself, or the contents of the file named by
 * `NAME_FILE` (Docker and Kubernetes secrets are mounted as files, which keeps them out of
 * `docker inspect` and /proc/<pid>/environ). One trailing newline is dropped, as editors and
 * `echo` add one. Setting both is refused: which one wins would be a guess.
 */
export function readSecret(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return direct;
  if (direct !== undefined && direct !== '') {
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      `${name} and ${name}_FILE are both set; set one of them`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // The path is not secret; the contents are, and are never part of a message.
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, `${name}_FILE=${file}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  return text.replace(/\r?\n$/, '');
}

/** `env` with each of `names` resolved by readSecret, for schemas that read plain variables. */
export function withSecretFiles(env: Env, names: readonly string[]): Env {
  const resolved: Env = { ...env };
  for (const name of names) resolved[name] = readSecret(env, name);
  return resolved;
}
