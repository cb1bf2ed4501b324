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
  const entries = Object.entries(keys).map(([key, spec]) => ({
    kind: key.startsWith('tw_pk_') ? 'browser' : 'server',
    sha256: hashKey(key),
    ...spec,
  }));
  return startCollector({
    config,
    collector: loadCollectorConfig({ COLLECTOR_KEYS_FILE: '(inline)', COLLECTOR_PORT: '0', ...settings }),
    keys: parseKeys({ keys: entries }, 'test keys', secretEnv),
    log: testLog,
  });
}

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
