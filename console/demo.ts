import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import type { Logger } from '../lib/log.js';
import { loadConsoleConfig } from './config.js';
import { randomPassword } from './passwords.js';
import { type RunningConsole, startConsole } from './server.js';
import { UserStore } from './users.js';

/**
 * The console for `make demo`: in the demo's process, on CONSOLE_PORT (8790) or, when that
 * is taken, a free port; an analyst account "demo" with a fresh random password each run,
 * printed once by the demo and stored only as its hash.
 */
export async function startDemoConsole(
  clickhouse: ClickHouseClient,
  log: Logger,
): Promise<RunningConsole & { user: string; password: string }> {
  const password = randomPassword();
  await new UserStore(clickhouse).put({ user_name: 'demo', role: 'analyst', password, created_by: 'demo' });
  const config = loadConsoleConfig();
  const running = await startConsole({ config, clickhouse, log }).catch((err: { code?: string }) => {
    if (err.code !== 'EADDRINUSE') throw err;
    return startConsole({ config: { ...config, CONSOLE_PORT: 0 }, clickhouse, log });
  });
  return { ...running, user: 'demo', password };
}
