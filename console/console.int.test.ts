import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAlertRow, insertAlerts, insertRuleMeta } from '../alerting/testing/alert-rows.js';
import { runCli } from '../cli/run-cli.js';
import { queryRows } from '../lib/clickhouse/client.js';
import { waitFor } from '../lib/time.js';
import { type ConsoleFixture, startConsoleFixture, WebClient } from './testing/console-fixture.js';

/** fetch will not send a Host header of its own choosing; node:http will. */
const statusWithHost = (url: string, host: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });

/**
 * The console attacked from outside, as a stranger (and a careless colleague) would, while
 * legitimate analysts keep working: every request is a real HTTP request to
 * `tradewatch console` running in its own process.
 */
describe('console: sign-in, roles, CSRF, headers, concurrency', () => {
  let f: ConsoleFixture;
  const alerts = [anAlertRow(), anAlertRow({ rule_id: 'wash-trading', severity: 'high' }), anAlertRow()];
  const id = (i: number) => alerts[i]?.alert_id as string;

  beforeAll(async () => {
    f = await startConsoleFixture([
      { name: 'vera', role: 'viewer' },
      { name: 'ana', role: 'analyst' },
      { name: 'bob', role: 'analyst' },
      { name: 'dan', role: 'analyst' },
    ]);
    await insertAlerts(f.pipeline.clickhouse, alerts);
    await insertRuleMeta(f.pipeline.clickhouse, 'account-takeover', 0);
  }, 400_000);
  afterAll(async () => f?.close());

  const trail = (alertId: string) =>
    queryRows<{ action: string; actor: string; via: string; outcome: string; note: string }>(
      f.pipeline.clickhouse,
      'SELECT toString(action) AS action, actor, via, toString(outcome) AS outcome, note FROM alert_actions WHERE alert_id = {id:String} ORDER BY at',
      { id: alertId },
    );

  it('stores only a scrypt hash of each password', async () => {
    const rows = await queryRows<{ user_name: string; password_hash: string }>(
      f.pipeline.clickhouse,
      'SELECT user_name, password_hash FROM console_users FINAL ORDER BY user_name',
    );
    expect(rows.map((r) => r.user_name)).toEqual(['ana', 'bob', 'dan', 'vera']);
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(r.password_hash).not.toContain(f.passwords[r.user_name]);
    }
  });

  it('sends security headers, and answers a stranger with the sign-in page only', async () => {
    const web = new WebClient(f.url);
    const login = await web.request('/login');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(login.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(login.headers.get('referrer-policy')).toBe('same-origin');
    const queue = await web.request('/', { headers: { accept: 'text/html' } });
    expect(queue.status).toBe(303);
    expect(queue.headers.get('location')).toMatch(/^\/login/);
    expect((await web.request(`/alerts/${id(0)}`)).status).toBe(401);
    expect((await web.request('/events')).status).toBe(401);
    expect((await web.request('/queue/live')).status).toBe(401);
  });

  it('refuses wrong passwords and unknown users alike, and a sign-in without its CSRF token', async () => {
    const web = new WebClient(f.url);
    const form = await (await web.request('/login')).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    expect(
      (await web.post('/login', { _csrf: csrf, username: 'ana', password: 'wrong-password-1' })).status,
    ).toBe(401);
    expect((await web.post('/login', { _csrf: csrf, username: 'nobody', password: 'x' })).status).toBe(401);
    expect((await web.post('/login', { _csrf: csrf, username: '', password: '' })).status).toBe(401);
    // Login CSRF: a form posted from elsewhere has no pre-session token.
    const stranger = new WebClient(f.url);
    expect(
      (await stranger.post('/login', { username: 'ana', password: f.passwords.ana as string })).status,
    ).toBe(403);
    expect(web.cookies.has('__Host-tradewatch_session')).toBe(false);
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Strict', async () => {
    const web = new WebClient(f.url);
    const form = await (await web.request('/login')).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const res = await web.post('/login', {
      _csrf: csrf,
      username: 'ana',
      password: f.passwords.ana as string,
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-tradewatch_session='));
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
  });

  it('lets a viewer look but not act', async () => {
    const viewer = new WebClient(f.url);
    const csrf = await viewer.signIn('vera', f.passwords.vera as string);
    const detail = await viewer.request(`/alerts/${id(0)}`);
    expect(detail.status).toBe(200);
    expect(await detail.text()).toContain('can look, not act');
    const res = await viewer.post(`/alerts/${id(0)}/actions`, {
      _csrf: csrf,
      action: 'resolve',
      outcome: 'benign',
      version: '0',
    });
    expect(res.status).toBe(403);
    expect(await trail(id(0))).toEqual([]);
  });

  it('refuses cross-site and token-less posts while the analyst’s own post goes through', async () => {
    const ana = new WebClient(f.url);
    const csrf = await ana.signIn('ana', f.passwords.ana as string);
    const form = { action: 'acknowledge', version: '0' };
    const attacks = await Promise.all([
      // A page elsewhere submitting a form: the browser sends the cookie (were it not Strict) but cannot know the token.
      ana.post(`/alerts/${id(1)}/actions`, form, { origin: 'https://evil.example' }),
      ana.post(`/alerts/${id(1)}/actions`, { ...form, _csrf: csrf }, { origin: 'https://evil.example' }),
      ana.post(`/alerts/${id(1)}/actions`, form),
      ana.post(`/alerts/${id(1)}/actions`, { ...form, _csrf: 'forged-token' }),
      ana.post(`/alerts/${id(1)}/actions`, { ...form, _csrf: csrf }, { 'sec-fetch-site': 'cross-site' }),
      ana.post(`/alerts/${id(1)}/actions`, { ...form, _csrf: csrf }, { origin: 'null' }),
      // Nobody's session at all.
      new WebClient(f.url).post(`/alerts/${id(1)}/actions`, { ...form, _csrf: csrf }),
    ]);
    expect(attacks.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 401]);
    // DNS rebinding: a page on attacker.example resolving to 127.0.0.1 sends its own Host name.
    expect(await statusWithHost(`${f.url}/login`, 'attacker.example')).toBe(421);
    expect(await statusWithHost(`${f.url}/login`, `localhost:${new URL(f.url).port}`)).toBe(200);
    const ok = await ana.post(`/alerts/${id(1)}/actions`, { ...form, _csrf: csrf });
    expect(ok.status).toBe(303);
    expect(await trail(id(1))).toEqual([
      { action: 'acknowledge', actor: 'ana', via: 'console', outcome: '', note: '' },
    ]);
    const metrics = await (await fetch(`${f.url}/metrics`)).text();
    const refused = /tradewatch_console_refused_total\{[^}]*reason="csrf"[^}]*\} (\d+)/.exec(metrics)?.[1];
    expect(Number(refused)).toBeGreaterThanOrEqual(6);
  });

  it('gives one of two analysts acting on the same version a 409, and writes one row', async () => {
    const ana = new WebClient(f.url);
    const bob = new WebClient(f.url);
    const [ca, cb] = await Promise.all([
      ana.signIn('ana', f.passwords.ana as string),
      bob.signIn('bob', f.passwords.bob as string),
    ]);
    const seen = /name="version" value="(\d+)"/.exec(
      await (await ana.request(`/alerts/${id(2)}`)).text(),
    )?.[1];
    expect(seen).toBe('0');
    const json = { accept: 'application/json' };
    const [ra, rb] = await Promise.all([
      ana.post(
        `/alerts/${id(2)}/actions`,
        { _csrf: ca, action: 'resolve', outcome: 'true_positive', note: 'ana: confirmed', version: '0' },
        json,
      ),
      bob.post(
        `/alerts/${id(2)}/actions`,
        { _csrf: cb, action: 'resolve', outcome: 'false_positive', note: 'bob: noise', version: '0' },
        json,
      ),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = (ra.status === 409 ? ra : rb).json() as Promise<{ error: string; version: number }>;
    expect(await loser).toMatchObject({ error: 'conflict', version: 1 });
    const rows = await trail(id(2));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.action).toBe('resolve');
    // The loser reloads, sees the resolution, and can add a note on the new version.
    const note = await bob.post(
      `/alerts/${id(2)}/actions`,
      { _csrf: cb, action: 'note', note: 'agreed', version: '1' },
      json,
    );
    expect(note.status).toBe(200);
    expect(await trail(id(2))).toHaveLength(2);
  });

  it('holds the CLI to the same version check: a stale --if-version writes nothing', async () => {
    const show = await runCli(['alerts', 'show', id(1)], f.env);
    const seen = Number(/^version: (\d+)/m.exec(show.stdout)?.[1]);
    expect(Number.isInteger(seen), show.stdout + show.stderr).toBe(true);
    const ack = await runCli(['alerts', '--as', 'carol', 'ack', id(1), '--if-version', String(seen)], f.env);
    expect(ack.code, ack.stderr).toBe(0);
    // A second operator still holding the old version is refused, and so is the console.
    const stale = await runCli(
      ['alerts', '--as', 'dave', 'assign', id(1), 'dave', '--if-version', String(seen)],
      f.env,
    );
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`changed since you looked (version ${seen}, now ${seen + 1})`);
    expect((await trail(id(1))).filter((a) => a.actor === 'dave')).toEqual([]);
    const ana = new WebClient(f.url);
    const csrf = await ana.signIn('ana', f.passwords.ana as string);
    const res = await ana.post(
      `/alerts/${id(1)}/actions`,
      { _csrf: csrf, action: 'assign', assignee: 'ana', version: String(seen) },
      { accept: 'application/json' },
    );
    expect(res.status).toBe(409);
  });

  it('refuses a resolve without an outcome, naming the field', async () => {
    const ana = new WebClient(f.url);
    const csrf = await ana.signIn('ana', f.passwords.ana as string);
    const res = await ana.post(
      `/alerts/${id(0)}/actions`,
      { _csrf: csrf, action: 'resolve', version: '0' },
      { accept: 'application/json' },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain('outcome');
  });

  it('filters the queue and pushes a change to live listeners when an alert arrives', async () => {
    const ana = new WebClient(f.url);
    await ana.signIn('ana', f.passwords.ana as string);
    const wash = await (await ana.request('/queue/live?rule=wash-trading&status=all')).text();
    expect(wash).toContain(id(1));
    expect(wash).not.toContain(id(0));
    expect((await ana.request('/queue/live?severity=extreme')).status).toBe(400);
    const stream = await ana.request('/events');
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: hello')) text += decoder.decode((await reader.read()).value);
    const fresh = anAlertRow({ rule_id: 'spoofing' });
    const insertedAt = Date.now();
    await insertAlerts(f.pipeline.clickhouse, [fresh]);
    while (!text.includes('event: change')) text += decoder.decode((await reader.read()).value);
    const latencyMs = Date.now() - insertedAt;
    await reader.cancel();
    process.stderr.write(
      `console live update: change event ${latencyMs} ms after the insert (poll 200 ms)\n`,
    );
    expect(await (await ana.request('/queue/live?status=all')).text()).toContain(fresh.alert_id as string);
  });

  it('ends a disabled account’s open sessions and live stream, while others keep working', async () => {
    const dan = new WebClient(f.url);
    const danCsrf = await dan.signIn('dan', f.passwords.dan as string);
    const ana = new WebClient(f.url);
    await ana.signIn('ana', f.passwords.ana as string);
    const stream = await dan.request('/events');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: hello')) text += decoder.decode((await reader.read()).value);
    // Another process (the operator's CLI) disables the account; the console learns it from ClickHouse.
    const run = await runCli(['console', 'user', 'disable', 'dan'], f.env);
    expect(run.code, run.stderr).toBe(0);
    // The stream ends (the server closes it) and the session no longer opens anything.
    for (;;) if ((await reader.read()).done) break;
    await waitFor(
      'dan signed out',
      async () => ((await dan.request('/queue/live')).status === 401 ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    const refused = await dan.post(`/alerts/${id(2)}/actions`, {
      _csrf: danCsrf,
      action: 'acknowledge',
      version: '0',
    });
    expect([401, 403]).toContain(refused.status);
    expect((await trail(id(2))).filter((a) => a.actor === 'dan')).toEqual([]);
    expect((await ana.request('/queue/live?status=all')).status).toBe(200);
  });

  it('shows rule KPIs: alerts, responses and the outcome mix per rule per day', async () => {
    const viewer = new WebClient(f.url);
    await viewer.signIn('vera', f.passwords.vera as string);
    const res = await viewer.request('/kpis', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const { rows } = (await res.json()) as { rows: Array<Record<string, number | string | null>> };
    const takeover = rows.find((r) => r.rule_id === 'account-takeover');
    // Two account-takeover alerts: one resolved (true or false positive, whoever won the race).
    expect(takeover).toMatchObject({ alerts: 2, responded: 1 });
    expect(Number(takeover?.true_pos) + Number(takeover?.false_pos)).toBe(1);
    expect(rows.find((r) => r.rule_id === 'wash-trading')).toMatchObject({ alerts: 1, responded: 1 });
    expect((await viewer.request('/kpis')).status).toBe(200);
  });
});
