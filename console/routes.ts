import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HUMAN_ACTIONS, type HumanAction } from '../alerting/actions.js';
import { ruleKpis } from '../alerting/rule-kpis.js';
import { chTime, type Outcome } from '../alerting/store.js';
import type { ConsoleContext } from './context.js';
import { queueFilterSchema } from './queries.js';
import { requireRole, sessionOf } from './security.js';
import { clearedSessionCookie, readCookie, SESSION_COOKIE, type Session, sessionCookie } from './sessions.js';
import { type DetailData, detailPage } from './views/detail.js';
import { ENTITY_CHARTS, entityPage } from './views/entity.js';
import { html, query } from './views/html.js';
import { kpisPage } from './views/kpis.js';
import { page } from './views/layout.js';
import { loginPage } from './views/login.js';
import { liveQueue, queuePage } from './views/queue.js';

const SILENCE_FOR_MS: Record<string, number> = {
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
  '7d': 604_800_000,
};

const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, string | undefined>;
const sendPage = (reply: FastifyReply, text: string, code = 200) =>
  reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(text);
/** Only paths on this site: "//evil" and "/\evil" are other hosts to a browser. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : '/');

export function registerPages(
  app: FastifyInstance,
  ctx: ConsoleContext,
  login: { loginCookie: string; newLoginToken: () => string },
): void {
  const badFilter = (reply: FastifyReply, issues: { path: PropertyKey[]; message: string }[]) =>
    reply
      .code(400)
      .type('text/plain')
      .send(`bad filter: ${issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}\n`);

  app.get('/login', async (req, reply) => {
    if (sessionOf(req, ctx.sessions)) return reply.redirect('/', 303);
    const token = login.newLoginToken();
    reply.header(
      'set-cookie',
      `${login.loginCookie}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=600`,
    );
    const next = safeNext((req.query as { next?: string }).next);
    return sendPage(reply, page({ title: 'Sign in', body: loginPage({ csrf: token, next }) }));
  });

  app.post(
    '/login',
    { config: { rateLimit: { max: ctx.config.CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } } },
    async (req, reply) => {
      const b = body(req);
      const user = await ctx.users.verify(b.username ?? '', b.password ?? '');
      if (!user) {
        ctx.counters.logins.inc({ result: 'refused' });
        ctx.log.warn({ user: String(b.username ?? '').slice(0, 64), ip: req.ip }, 'sign-in refused');
        const csrf = readCookie(req.headers.cookie, login.loginCookie) ?? '';
        return sendPage(
          reply,
          page({
            title: 'Sign in',
            body: loginPage({ error: 'Wrong user name or password.', csrf, next: safeNext(b.next) }),
          }),
          401,
        );
      }
      const { token } = ctx.sessions.create(user);
      ctx.counters.logins.inc({ result: 'ok' });
      ctx.log.info({ user: user.user_name, role: user.role }, 'signed in');
      reply.header('set-cookie', [
        sessionCookie(token, Math.floor(ctx.config.CONSOLE_SESSION_TTL_MS / 1000)),
        `${login.loginCookie}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`,
      ]);
      return reply.redirect(safeNext(b.next), 303);
    },
  );

  app.post('/logout', async (req, reply) => {
    ctx.sessions.destroy(readCookie(req.headers.cookie, SESSION_COOKIE));
    reply.header('set-cookie', clearedSessionCookie);
    return reply.redirect('/login', 303);
  });

  app.get('/', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'viewer');
    if (!s) return reply;
    const f = queueFilterSchema.safeParse(req.query);
    if (!f.success) return badFilter(reply, f.error.issues);
    const [rows, counts, facets] = await Promise.all([
      ctx.queries.queue(f.data),
      ctx.queries.counts(f.data),
      ctx.queries.facets(),
    ]);
    return sendPage(
      reply,
      page({
        title: 'Queue',
        session: s,
        body: queuePage(f.data, facets, liveQueue(f.data, rows, counts)),
        scripts: ['console'],
      }),
    );
  });

  /** The live part of the queue: what the browser swaps in after a change event. */
  app.get('/queue/live', async (req, reply) => {
    if (!requireRole(req, reply, ctx.sessions, 'viewer')) return reply;
    const f = queueFilterSchema.safeParse(req.query);
    if (!f.success) return badFilter(reply, f.error.issues);
    const [rows, counts] = await Promise.all([ctx.queries.queue(f.data), ctx.queries.counts(f.data)]);
    return sendPage(reply, liveQueue(f.data, rows, counts).text);
  });

  app.get('/events', async (req, reply) => {
    const session = requireRole(req, reply, ctx.sessions, 'viewer');
    if (!session) return reply;
    reply.hijack();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (typeof v === 'string') headers[k] = v;
    ctx.live.add(reply.raw, headers, session.user.user_name);
  });

  app.get('/alerts/:id', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'viewer');
    if (!s) return reply;
    const q = req.query as { notice?: string };
    const data = await detailData(ctx, (req.params as { id: string }).id);
    if (!data)
      return sendPage(
        reply,
        page({
          title: 'Not found',
          session: s,
          body: html`<h1>No such alert</h1><p><a href="/">← queue</a></p>`,
        }),
        404,
      );
    return sendPage(
      reply,
      page({ title: data.alert.alert_id, session: s, body: detailPage({ ...data, notice: q.notice }, s) }),
    );
  });

  app.post('/alerts/:id/actions', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'analyst');
    if (!s) return reply;
    const id = (req.params as { id: string }).id;
    const b = body(req);
    const version = Number(b.version);
    const result = await ctx.actions.perform({
      alert: id,
      action: (b.action ?? '') as HumanAction,
      actor: s.user.user_name,
      via: 'console',
      expectedVersion: Number.isInteger(version) && version >= 0 ? version : -1,
      assignee: b.assignee?.trim(),
      outcome: (b.outcome || undefined) as Outcome | undefined,
      note: b.note?.trim() || undefined,
    });
    ctx.counters.actions.inc({
      action: HUMAN_ACTIONS.includes(b.action as HumanAction) ? String(b.action) : 'unknown',
      result: result.ok ? 'ok' : result.code,
    });
    const json = (req.headers.accept ?? '').includes('application/json');
    if (result.ok) {
      ctx.log.info(
        { alert: result.alert.alert_id, action: b.action, user: s.user.user_name },
        'alert action',
      );
      ctx.live.nudge();
      if (json)
        return reply.send({
          ok: true,
          alert_id: result.alert.alert_id,
          version: result.version,
          status: result.alert.effective_status,
        });
      return reply.redirect(
        `/alerts/${encodeURIComponent(result.alert.alert_id)}${query({ notice: `${b.action} recorded` })}`,
        303,
      );
    }
    const code = { not_found: 404, invalid: 400, conflict: 409 }[result.code];
    if (json)
      return reply
        .code(code)
        .send({ ok: false, error: result.code, message: result.message, version: result.version });
    const data = await detailData(ctx, id);
    if (!data) return reply.code(code).type('text/plain').send(`${result.message}\n`);
    return sendPage(
      reply,
      page({
        title: data.alert.alert_id,
        session: s,
        body: detailPage({ ...data, error: result.message }, s),
      }),
      code,
    );
  });

  app.post('/silences', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'analyst');
    if (!s) return reply;
    const b = body(req);
    const forMs = SILENCE_FOR_MS[b.for ?? ''];
    const problem = !forMs
      ? `for: one of ${Object.keys(SILENCE_FOR_MS).join(', ')}`
      : !b.rule && !b.entity
        ? 'rule or entity: give at least one'
        : !b.reason?.trim()
          ? 'reason: required'
          : undefined;
    if (problem || !forMs) return reply.code(400).type('text/plain').send(`silence refused: ${problem}\n`);
    const now = Date.now();
    const silence = {
      silence_id: crypto.randomUUID(),
      rule_id: b.rule ?? '',
      entity: b.entity ?? '',
      starts_at: chTime(now),
      ends_at: chTime(now + forMs),
      created_by: s.user.user_name,
      reason: (b.reason ?? '').trim().slice(0, 500),
    };
    await ctx.store.addSilence(silence);
    ctx.log.info({ silence: silence.silence_id, user: s.user.user_name }, 'silence created');
    const back = safeNext(b.back);
    return reply.redirect(`${back}${query({ notice: `silenced until ${silence.ends_at} UTC` })}`, 303);
  });

  app.get('/kpis', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'viewer');
    if (!s) return reply;
    const days = Number((req.query as { days?: string }).days ?? 7);
    if (!Number.isInteger(days) || days < 0 || days > 400)
      return reply.code(400).type('text/plain').send('days: a whole number from 0 to 400\n');
    const rows = await ruleKpis(ctx.clickhouse, { days });
    if ((req.headers.accept ?? '').includes('application/json')) return reply.send({ rows });
    return sendPage(reply, page({ title: 'Rule KPIs', session: s, body: kpisPage(rows, days) }));
  });

  app.get('/entity/:type/:id', async (req, reply) => {
    const s = requireRole(req, reply, ctx.sessions, 'viewer');
    if (!s) return reply;
    const { type, id } = req.params as { type: string; id: string };
    if (!ENTITY_CHARTS[type])
      return reply.code(404).type('text/plain').send('entity type: account, token or market\n');
    const [rows, alerts] = await Promise.all([entityRows(ctx, type, id), ctx.queries.entityAlerts(id)]);
    return sendPage(
      reply,
      page({
        title: id,
        session: s,
        body: entityPage(type, id, rows.length, alerts, ctx.config.CONSOLE_GRAFANA_URL),
        scripts: ['uplot', 'entity'],
      }),
    );
  });

  app.get('/api/entity/:type/:id', async (req, reply) => {
    if (!requireRole(req, reply, ctx.sessions, 'viewer')) return reply;
    const { type, id } = req.params as { type: string; id: string };
    if (!ENTITY_CHARTS[type]) return reply.code(404).send({ error: 'entity type: account, token or market' });
    return reply.header('cache-control', 'no-store').send({ rows: await entityRows(ctx, type, id) });
  });
}

function entityRows(ctx: ConsoleContext, type: string, id: string) {
  if (type === 'account') return ctx.queries.accountRisk(id);
  if (type === 'token') return ctx.queries.tokenRisk(id);
  return ctx.queries.marketHealth(id);
}

async function detailData(ctx: ConsoleContext, id: string): Promise<DetailData | undefined> {
  const alert = await ctx.store.alert(id);
  if (!alert) return undefined;
  const [version, runbook, trail, deliveries, others] = await Promise.all([
    ctx.store.actionVersion(alert.fingerprint),
    ctx.queries.runbook(alert.rule_id),
    ctx.queries.trail(alert.fingerprint),
    ctx.queries.deliveries(alert.fingerprint),
    ctx.queries.entityAlerts(alert.entity, alert.alert_id),
  ]);
  return { alert, version, runbook, trail, deliveries, others, grafanaUrl: ctx.config.CONSOLE_GRAFANA_URL };
}

export type { Session };
