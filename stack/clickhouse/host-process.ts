import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';
import { type ManagedChild, spawnUntilReady } from '../child-process.js';
import { type HostSecrets, loadHostSecrets } from './host-secrets.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

export interface ClickHouseHost extends ManagedChild, HostSecrets {
  url: string;
  dataDir: string;
  logFile: string;
}

/**
 * Starts the embedded ClickHouse host (main.ts) in its own process on `dataDir` and
 * resolves with its HTTP URL once it answers queries. Port 0 lets the OS choose.
 */
export async function startClickHouseHost(options: {
  dataDir: string;
  port?: number;
  logFile?: string;
  password?: string;
  timeoutMs?: number;
}): Promise<ClickHouseHost> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const logFile = options.logFile ?? join(dirname(dataDir), 'clickhouse-host.log');
  try {
    const started = await spawnUntilReady({
      what: 'embedded ClickHouse',
      command: process.execPath,
      args: ['--import', 'tsx', join(here, 'main.ts')],
      cwd: repoRoot,
      env: {
        ...process.env,
        CLICKHOUSE_DATA_DIR: dataDir,
        CLICKHOUSE_HTTP_PORT: String(options.port ?? 0),
        CLICKHOUSE_PASSWORD: options.password ?? process.env.CLICKHOUSE_PASSWORD ?? '',
      },
      logFile,
      timeoutMs: options.timeoutMs ?? 60_000,
      ready: (line) => {
        if (!line.includes('"listening"')) return undefined;
        const url = (JSON.parse(line) as { url?: string }).url;
        return typeof url === 'string' ? url : undefined;
      },
    });
    // The host has written its passwords (0600) before it listens; the parent hands them on.
    return { ...started, ...loadHostSecrets(dataDir, ''), url: started.value, dataDir, logFile };
  } catch (err) {
    throw new TradewatchError(
      ErrorCode.CLICKHOUSE_START_FAILED,
      `embedded ClickHouse did not start: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
