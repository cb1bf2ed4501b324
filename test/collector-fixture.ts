import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../lib/config/config.js';
import { type RunningCollector, startCollector } from '../producers/user/collector.js';
import { loadCollectorConfig } from '../producers/user/config.js';
import { hashKey, parseKeys } from '../producers/user/keys.js';
import { testLog } from './pipeline-fixture.js';

/** A key entry as docs/collector.md describes it, minus what follows from the plain key. */
type KeySpec = { id: string; endpoint: 'user' | 'engine'; types: string[] } & Record<string, unknown>;

/**
 * The collector over real HTTP on a free loopback port, in front of a test pipeline: `keys`
 * maps each plain key (tw_sk_… server, tw_pk_… browser) to its entry; the entry's kind and
 * hash follow from the key. `settings` are COLLECTOR_* variables; `secretEnv` holds the
 * signing secrets the entries name.
 */
export function startTestCollector(
  config: Config,
  keys: Record<string, KeySpec>,
  settings: Record<string, string> = {},
  secretEnv: Record<string, string> = {},
): Promise<RunningCollector> {
  return startCollector({
    config,
    collector: loadCollectorConfig({ COLLECTOR_KEYS_FILE: '(inline)', COLLECTOR_PORT: '0', ...settings }),
    keys: parseKeys({ keys: keyEntries(keys) }, 'test keys', secretEnv),
    log: testLog,
  });
}

/** The keys file's entries for `keys` (plain key → entry): kind and hash follow from each key. */
export const keyEntries = (keys: Record<string, KeySpec>) =>
  Object.entries(keys).map(([key, spec]) => ({
    kind: key.startsWith('tw_pk_') ? 'browser' : 'server',
    sha256: hashKey(key),
    ...spec,
  }));

/** Writes `keys` as a keys file (COLLECTOR_KEYS_FILE) in `dir`, for a collector run as its own process. */
export function writeKeysFile(dir: string, keys: Record<string, KeySpec>): string {
  const file = join(dir, 'keys.json');
  writeFileSync(file, JSON.stringify({ keys: keyEntries(keys) }));
  return file;
}

/** Plain keys of a suite's own (server keys for the engine and user endpoints, a browser key). */
export const suiteKeys = (suite: string) => ({
  engine: `tw_sk_${suite}-engine-key`,
  user: `tw_sk_${suite}-user-key`,
  browser: `tw_pk_${suite}-browser-key`,
});

/** The web app's origin the browser keys allow. */
export const APP_ORIGIN = 'https://app.example.com';

/** POSTs `body` (JSON-encoded unless already a string or bytes) to the collector. */
export const postTo =
  (collector: () => RunningCollector, timeoutMs?: number) =>
  (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${collector().url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
    });
