import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashKey } from '../../producers/user/keys.js';
import { exited, type ManagedChild, spawnUntilReady } from '../../stack/child-process.js';

export const COLLECTOR_KEY = 'tw_sk_fault-injection-key';

/** The collector (`npm run collector`) as its own process, so a case can SIGKILL it mid-batch. */
export interface CollectorProcess extends ManagedChild {
  url: string;
  kill(): Promise<void>;
}

export function writeCollectorKeys(dir: string): string {
  const file = join(dir, 'collector-keys.json');
  writeFileSync(
    file,
    JSON.stringify({
      keys: [
        {
          id: 'faults',
          kind: 'server',
          sha256: hashKey(COLLECTOR_KEY),
          endpoint: 'user',
          types: ['user.login'],
        },
      ],
    }),
  );
  return file;
}

export async function startCollectorProcess(options: {
  env: Record<string, string>;
  keysFile: string;
  port: number;
  logFile: string;
}): Promise<CollectorProcess> {
  const started = await spawnUntilReady({
    what: 'the collector',
    command: process.execPath,
    args: ['--import', 'tsx', 'producers/user/main.ts'],
    env: {
      ...process.env,
      ...options.env,
      COLLECTOR_KEYS_FILE: options.keysFile,
      COLLECTOR_PORT: String(options.port),
      COLLECTOR_RATE_LIMIT_MAX_REQUESTS: '100000',
      KAFKA_LINGER_MS: '2',
      LOG_LEVEL: 'info',
    },
    logFile: options.logFile,
    timeoutMs: 60_000,
    ready: (line) => (line.includes('collector listening') ? true : undefined),
  });
  return {
    ...started,
    url: `http://127.0.0.1:${options.port}`,
    kill: async () => {
      started.child.kill('SIGKILL');
      await exited(started.child);
    },
  };
}
