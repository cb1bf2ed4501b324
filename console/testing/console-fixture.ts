import type { ChildProcess } from 'node:child_process';
import { runCli, spawnCli } from '../../cli/run-cli.js';
import { waitFor } from '../../lib/time.js';
import { type Pipeline, startPipeline } from '../../test/pipeline-fixture.js';
import { randomPassword } from '../passwords.js';
import { UserStore } from '../users.js';

/**
 * A console as a user runs it: `tradewatch console --port 0` in its own process over a
 * private test database, with accounts made by `tradewatch console user add`.
 */
export interface ConsoleFixture {
  pipeline: Pipeline;
  url: string;
  env: Record<string, string>;
  /** user name → generated password, as the CLI printed it once. */
  passwords: Record<string, string>;
  close(): Promise<void>;
}

export async function startConsoleFixture(
  users: Array<{ name: string; role: 'viewer' | 'analyst' | 'admin' }>,
  extraEnv: Record<string, string> = {},
): Promise<ConsoleFixture> {
  const pipeline = await startPipeline();
  const env = {
    CLICKHOUSE_URL: pipeline.config.CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: pipeline.config.CLICKHOUSE_DATABASE,
    CONSOLE_POLL_INTERVAL_MS: '200',
    CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
    ...extraEnv,
  };
  const passwords: Record<string, string> = {};
  // The first account through the CLI, as an operator makes one (its password printed once);
  // the others straight into the same store, to keep start-up short on a busy machine.
  const [first, ...rest] = users;
  if (first) {
    const run = await runCli(['console', 'user', 'add', first.name, '--role', first.role], env);
    const password = /password: (\S+)/.exec(run.stdout)?.[1];
    if (run.code !== 0 || !password)
      throw new Error(`console user add ${first.name} failed (${run.code}): ${run.stderr}${run.stdout}`);
    passwords[first.name] = password;
  }
  const store = new UserStore(pipeline.clickhouse);
  for (const u of rest) {
    passwords[u.name] = randomPassword();
    await store.put({
      user_name: u.name,
      role: u.role,
      password: passwords[u.name] as string,
      created_by: 'test',
    });
  }
  const child: ChildProcess = spawnCli(['console', '--port', '0'], env);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const url = await waitFor(
    'the console to listen',
    async () => /console listening on (http:\/\/\S+)/.exec(out)?.[1],
    {
      // tsx compiling the console on a shared two-core machine can take minutes.
      timeoutMs: 240_000,
      giveUpIf: () => (child.exitCode !== null ? `exited ${child.exitCode}: ${err.slice(-2000)}` : undefined),
    },
  );
  return {
    pipeline,
    url,
    env,
    passwords,
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await pipeline.close();
    },
  };
}

/** A fetch client with a cookie jar, as a browser keeps one per site. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** A form POST as a page of this console sends it (same origin). */
  post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.base, ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Signs in through the login form (its pre-session CSRF token included); returns the session's CSRF token. */
  async signIn(user: string, password: string): Promise<string> {
    const form = await (await this.request('/login')).text();
    const loginCsrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const res = await this.post('/login', { _csrf: loginCsrf, username: user, password, next: '/' });
    if (res.status !== 303) throw new Error(`sign-in as ${user}: HTTP ${res.status}`);
    const page = await (await this.request('/', { headers: { accept: 'text/html' } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)?.[1];
    if (!csrf) throw new Error(`sign-in as ${user}: no CSRF token on the queue page`);
    return csrf;
  }
}
