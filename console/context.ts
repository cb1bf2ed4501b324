import type { AlertActions } from '../alerting/actions.js';
import type { AlertStore } from '../alerting/store.js';
import type { ClickHouseClient } from '../lib/clickhouse/client.js';
import type { Logger } from '../lib/log.js';
import type { Counter, Registry } from '../lib/service/metrics.js';
import type { ConsoleConfig } from './config.js';
import type { LiveHub } from './live.js';
import type { ConsoleQueries } from './queries.js';
import type { Sessions } from './sessions.js';
import type { UserStore } from './users.js';

/** What the console is started with; and what its routes share (own module: server.ts registers the routes). */
export interface ConsoleDeps {
  config: ConsoleConfig;
  clickhouse: ClickHouseClient;
  log: Logger;
  registry?: Registry;
}

/** Everything a route needs, built once per server. */
export interface ConsoleContext extends ConsoleDeps {
  store: AlertStore;
  actions: AlertActions;
  queries: ConsoleQueries;
  users: UserStore;
  sessions: Sessions;
  live: LiveHub;
  registry: Registry;
  counters: { actions: Counter; refused: Counter; logins: Counter };
}
