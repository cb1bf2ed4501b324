import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { AlertActions } from '../alerting/actions.js';
import { AlertStore } from '../alerting/store.js';
import { Counter, createMetricsRegistry } from '../lib/service/metrics.js';
import { AccountWatch } from './account-watch.js';
import { registerChatRoutes } from './chat-routes.js';
import { isLoopback } from './config.js';
import type { ConsoleContext, ConsoleDeps } from './context.js';
import { LiveHub } from './live.js';
import { ConsoleQueries } from './queries.js';
import { registerPages } from './routes.js';
import { csrfProblem, hostAllowed, SECURITY_HEADERS, sessionOf } from './security.js';
import { readCookie, Sessions } from './sessions.js';
import { UserStore } from './users.js';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const require = createRequire(import.meta.url);

/** Files under /static: ours, and uPlot as published (pinned in package.json). */
function staticFiles(): Map<string, { body: Buffer; type: string }> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, type] of [
    ['console.js', js],
    ['entity.js', js],
    ['console.css', css],
  ] as const)
    files.set(name, { body: readFileSync(`${STATIC_DIR}${name}`), type });
  files.set('uPlot.iife.min.js', {
    body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')),
    type: js,
  });
  files.set('uPlot.min.css', { body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')), type: css });
  return files;
}

const LOGIN_COOKIE = '__Host-tradewatch_login';

export async function buildConsole(
  deps: ConsoleDeps,
): Promise<{ app: FastifyInstance; ctx: ConsoleContext }> {
  const registry = deps.registry ?? createMetricsRegistry('console');
  const store = new AlertStore(deps.clickhouse);
  const queries = new ConsoleQueries(deps.clickhouse);
  const ctx: ConsoleContext = {
    ...deps,
    registry,
    store,
    actions: new AlertActions(store),
    queries,
    users: new UserStore(deps.clickhouse),
    sessions: new Sessions(deps.config.CONSOLE_SESSION_TTL_MS),
    live: new LiveHub({
      changeMark: () => queries.changeMark(),
      intervalMs: deps.config.CONSOLE_POLL_INTERVAL_MS,
      log: deps.log,
    }),
    counters: {
      actions: new Counter({
        name: 'tradewatch_console_actions_total',
        help: 'Alert actions taken in the console, by action and result',
        labelNames: ['action', 'result'],
        registers: [registry],
      }),
      refused: new Counter({
        name: 'tradewatch_console_refused_total',
        help: 'Requests refused by a security check, by reason',
        labelNames: ['reason'],
        registers: [registry],
      }),
      logins: new Counter({
        name: 'tradewatch_console_logins_total',
        help: 'Sign-in attempts by result',
        labelNames: ['result'],
        registers: [registry],
      }),
    },
  };
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    // Chat peers sign the exact bytes (Slack's v0 signature): kept beside the parsed form.
    (req as unknown as { formBody?: string }).formBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const allowedHosts = ['127.0.0.1', 'localhost', '[::1]', deps.config.CONSOLE_HOST.toLowerCase()];

  app.addHook('onRequest', async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      ctx.counters.refused.inc({ reason: 'host' });
      return reply
        .code(421)
        .type('text/plain')
        .send('unknown Host: this console answers to its own address only\n');
    }
  });
  // Every state change passes the CSRF checks; the login form has its own pre-session token.
  app.addHook('preHandler', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    // Chat peers authenticate by signature or secret token (chat-routes.ts), not by session.
    if (req.method === 'GET' || req.method === 'HEAD' || path.startsWith('/chat/')) return;
    const loginToken = readLoginCookie(req.headers.cookie);
    const session = sessionOf(req, ctx.sessions);
    const expected =
      path === '/login'
        ? { matches: (g: unknown) => typeof g === 'string' && !!loginToken && safeEqual(g, loginToken) }
        : session
          ? { matches: (g: unknown) => typeof g === 'string' && safeEqual(g, session.csrf) }
          : undefined;
    if (!expected) return reply.code(401).type('text/plain').send('sign in first\n');
    const problem = csrfProblem(req, expected);
    if (problem) {
      ctx.counters.refused.inc({ reason: 'csrf' });
      deps.log.warn({ path, problem, ip: req.ip }, 'state-changing request refused');
      return reply.code(403).type('text/plain').send(`refused: ${problem}\n`);
    }
  });

  await app.register(rateLimit, { global: false });
  const files = staticFiles();
  app.get('/static/:name', async (req, reply) => {
    const f = files.get((req.params as { name: string }).name);
    if (!f) return reply.code(404).type('text/plain').send('not found\n');
    return reply.type(f.type).header('cache-control', 'public, max-age=3600').send(f.body);
  });
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());
  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.clickhouse.ping();
      return { ok: true, details: { sessions: ctx.sessions.size, live_listeners: ctx.live.listeners } };
    } catch (err) {
      return reply.code(503).send({ ok: false, details: { error: (err as Error).message } });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  registerChatRoutes(app, ctx);
  registerPages(app, ctx, {
    loginCookie: LOGIN_COOKIE,
    newLoginToken: () => randomBytes(24).toString('base64url'),
  });
  return { app, ctx };
}

const safeEqual = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const readLoginCookie = (header: string | undefined) => readCookie(header, LOGIN_COOKIE);

export interface RunningConsole {
  url: string;
  ctx: ConsoleContext;
  close(): Promise<void>;
}

/** Builds and listens; a host that is not loopback is allowed but logged loudly. */
export async function startConsole(deps: ConsoleDeps): Promise<RunningConsole> {
  const { app, ctx } = await buildConsole(deps);
  if (!isLoopback(deps.config.CONSOLE_HOST))
    deps.log.warn(
      { host: deps.config.CONSOLE_HOST },
      'console listens beyond loopback: put it behind TLS (its cookies are Secure and browsers drop them on plain HTTP)',
    );
  // A disabled account's sessions end within one poll interval (account-watch.ts).
  const watch = new AccountWatch({
    users: ctx.users,
    sessions: ctx.sessions,
    live: ctx.live,
    intervalMs: deps.config.CONSOLE_POLL_INTERVAL_MS,
    log: deps.log,
  });
  watch.start();
  await app.listen({ host: deps.config.CONSOLE_HOST, port: deps.config.CONSOLE_PORT });
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    ctx,
    close: async () => {
      watch.stop();
      ctx.live.close();
      await app.close();
    },
  };
}
