import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';

/**
 * The ClickHouse server's users (clickhouse/server/users.d/tradewatch.xml), checked as
 * far as can be done here: the embedded engine (chDB) has no access storage — `CREATE USER`
 * is refused with ACCESS_DENIED — so grants cannot be exercised live; they are checked
 * against the SQL the code actually runs instead.
 */
const ROOT = join(import.meta.dirname, '../..');
const USERS_FILE = 'clickhouse/server/users.d/tradewatch.xml';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface UserXml {
  password?: { '@_from_env'?: string; '#text'?: string } | string;
  password_sha256_hex?: string;
  password_double_sha1_hex?: string;
  profile: string;
  quota: string;
  grants: { query: string | string[] };
}
interface Parsed {
  clickhouse: {
    profiles: Record<string, Record<string, unknown> & { constraints?: Record<string, { max?: number }> }>;
    quotas: Record<string, { interval: Record<string, number> }>;
    users: Record<string, UserXml>;
  };
}

// The file is a template: clickhouse/server/entrypoint.sh renders ${CLICKHOUSE_DATABASE}
// (test/full-stack-invariants.test.ts runs it); checked here as rendered for `tradewatch`.
// biome-ignore lint/suspicious/noTemplateCurlyInString: the file's placeholder, not a JS template
const xml = read(USERS_FILE).replaceAll('${CLICKHOUSE_DATABASE}', 'tradewatch');
const config = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' }).parse(xml) as Parsed;
const { profiles, quotas, users } = config.clickhouse;
const grantsOf = (user: string): string[] => {
  const q = users[user]?.grants.query ?? [];
  return (Array.isArray(q) ? q : [q]).map((g) => g.replace(/\s+/g, ' ').trim());
};

/** Tables `alerting/store.ts` reads (FROM / JOIN) and writes (insert({ table })). */
function storeTables(): { reads: Set<string>; writes: Set<string> } {
  const source = read('alerting/store.ts');
  const reads = new Set(
    [...source.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/g)].map((m) => m[1] as string),
  );
  const writes = new Set(
    [...source.matchAll(/insert\(\{\s*table:\s*'([a-z_]+)'/g)].map((m) => m[1] as string),
  );
  return { reads, writes };
}

/** A plain view's tables: with SQL SECURITY INVOKER the reader needs SELECT on them too. */
function viewTables(view: string): string[] {
  // The baseline: every view as the migrations leave it, one statement each.
  const sql = read('clickhouse/baseline/baseline.sql');
  const body = sql.slice(sql.indexOf(`CREATE VIEW IF NOT EXISTS ${view}`)).split(';')[0] ?? '';
  return [...body.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/g)].map((m) => m[1] as string);
}

const READ_ONLY_USERS = ['analyst', 'grafana', 'hyperdx'];

describe('ClickHouse users', () => {
  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(Object.keys(users).sort()).toEqual([
      'analyst',
      'console',
      'grafana',
      'hyperdx',
      'notifier',
      'otel',
    ]);
  });

  it('gives every user a password from the environment, never a literal, and passes each variable to the server', () => {
    const compose = read('docker-compose.clickhouse.yml');
    const envExample = read('.env.example');
    for (const [name, user] of Object.entries(users)) {
      expect(user.password_sha256_hex, name).toBeUndefined();
      expect(user.password_double_sha1_hex, name).toBeUndefined();
      const password = user.password;
      expect(typeof password, `${name}: <password from_env="…"/>`).toBe('object');
      const variable = typeof password === 'object' ? password['@_from_env'] : undefined;
      expect(variable, name).toMatch(/^CLICKHOUSE_[A-Z]+_PASSWORD$/);
      expect(typeof password === 'object' ? password['#text'] : 'literal', name).toBeUndefined();
      // As a Docker secrets file, which clickhouse/server/entrypoint.sh exports as the variable.
      const secret = (variable as string).toLowerCase();
      expect(compose, `${variable} reaches the server`).toContain(`${variable}_FILE: /run/secrets/${secret}`);
      expect(compose, `${secret} is made from ${variable}`).toContain(
        `${secret}:\n    environment: ${variable}`,
      );
      expect(envExample, `${variable} is documented`).toMatch(new RegExp(`^${variable}=`, 'm'));
    }
  });

  it('makes read-only users read-only, time-limited, result-capped and under their own quota', () => {
    for (const name of READ_ONLY_USERS) {
      const user = users[name] as UserXml;
      const profile = profiles[user.profile] ?? {};
      expect([1, 2], `${name}: readonly`).toContain(profile.readonly);
      expect(profile.max_execution_time, `${name}: max_execution_time`).toBeGreaterThan(0);
      expect(profile.max_result_rows, `${name}: max_result_rows`).toBeGreaterThan(0);
      // readonly=2 lets a client change settings: constraints must stop it raising the limits.
      if (profile.readonly === 2) {
        for (const limit of ['max_execution_time', 'max_result_rows', 'max_memory_usage'])
          expect(profile.constraints?.[limit]?.max, `${name}: constraint on ${limit}`).toBe(profile[limit]);
      }
      expect(user.quota, `${name}: quota`).not.toBe('default');
      const interval = quotas[user.quota]?.interval;
      expect(interval?.duration, `${name}: quota interval`).toBeGreaterThan(0);
      expect(interval?.queries, `${name}: queries per interval`).toBeGreaterThan(0);
      expect(interval?.execution_time, `${name}: execution time per interval`).toBeGreaterThan(0);
      for (const grant of grantsOf(name)) expect(grant, name).toMatch(/^GRANT SELECT ON [a-z_]+\.[a-z_*]+$/);
    }
    expect(profiles.tradewatch_analyst?.readonly).toBe(1);
  });

  it('grants the notifier exactly what alerting/store.ts queries, and writes only to its own tables', () => {
    const { reads, writes } = storeTables();
    // The SQL in store.ts is the source: if it names a new table, the grants must follow.
    expect([...reads].sort()).toEqual([
      'alert_actions',
      'alert_deliveries',
      'alert_rules',
      'alert_silences',
      'alerts_current',
    ]);
    expect([...writes].sort()).toEqual(['alert_actions', 'alert_deliveries', 'alert_silences']);
    const grants = grantsOf('notifier');
    const selectable = new Set(
      grants.flatMap((g) => /^GRANT SELECT ON tradewatch\.([a-z_*]+)$/.exec(g)?.slice(1) ?? []),
    );
    for (const table of [...reads, ...[...reads].flatMap(viewTables)])
      expect(selectable.has(table) || selectable.has('*'), `SELECT on ${table}`).toBe(true);
    const insertable = grants.flatMap(
      (g) => /^GRANT INSERT ON tradewatch\.([a-z_]+)$/.exec(g)?.slice(1) ?? [],
    );
    // Its own tables, plus what rule installation (alerting/rules/loader.ts) writes: the rule
    // views append to alerts, and each installed rule is recorded in alert_rules.
    expect(insertable.sort()).toEqual([...writes, 'alert_rules', 'alerts'].sort());
    expect(read('alerting/rules/loader.ts')).toContain("table: 'alert_rules'");
    expect(read('alerting/rules/render.ts')).toContain('APPEND TO alerts');
    // DDL only on the rule views, nothing else.
    const ddl = grants.filter((g) => !/^GRANT (SELECT|INSERT) ON /.test(g));
    expect(ddl).toEqual(['GRANT CREATE VIEW, DROP VIEW ON tradewatch.alert_rule_*']);
    expect(read('alerting/rules/render.ts')).toContain('`alert_rule_${');
    expect(grants.join()).not.toMatch(/\bALL\b|ALTER|TRUNCATE|DROP TABLE|ACCESS|SYSTEM/);
  });

  it('grants the console exactly the tables its code reads and writes, and no DDL', () => {
    // The console's own queries and the shared action / KPI code it runs.
    const sources = [
      ...readdirSync(join(ROOT, 'console'))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => `console/${f}`),
      'alerting/actions.ts',
      'alerting/chat-actions.ts',
      'alerting/rule-kpis.sql',
    ].map(read);
    const matches = (re: RegExp, texts = sources) =>
      new Set(texts.flatMap((t) => [...t.matchAll(re)].map((m) => m[1] as string)));
    // The AlertStore methods it calls, with the tables each one reads or writes (store.ts).
    const store = read('alerting/store.ts');
    const methods = [...matches(/store\.([a-zA-Z]+)\(/g)].map((name) => {
      const at = store.indexOf(`async ${name}(`);
      expect(at, `AlertStore.${name}`).toBeGreaterThan(-1);
      return store.slice(at, store.indexOf('\n  }\n', at));
    });
    const both = (re: RegExp) => new Set([...matches(re), ...matches(re, methods)]);
    const reads = both(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/g);
    const writes = both(/table:\s*'([a-z_]+)'/g);
    // CTE names in rule-kpis.sql are not tables.
    const ctes = matches(/\b([a-z_]+) AS\s*\(/g);
    const tables = [...reads, ...[...reads].flatMap(viewTables)].filter((t) => !ctes.has(t));
    const grants = grantsOf('console');
    const selectable = grants.flatMap(
      (g) => /^GRANT SELECT ON tradewatch\.([a-z_0-9]+)$/.exec(g)?.slice(1) ?? [],
    );
    const insertable = grants.flatMap(
      (g) => /^GRANT INSERT ON tradewatch\.([a-z_0-9]+)$/.exec(g)?.slice(1) ?? [],
    );
    expect(selectable.sort()).toEqual([...new Set(tables)].sort());
    expect(insertable.sort()).toEqual([...writes].sort());
    expect(grants.length).toBe(selectable.length + insertable.length);
    expect(read('docs/console.md')).toContain(selectable.map((t) => `\`${t}\``).slice(0, 1)[0]);
  });

  it('the console in the full stack uses its own user and password', () => {
    const apps = read('docker-compose.apps.yml');
    const service = apps.slice(apps.indexOf('\n  console:'));
    const env = service.slice(0, service.indexOf('healthcheck:'));
    expect(env).toContain('CLICKHOUSE_USER: console');
    expect(env).toContain('CLICKHOUSE_PASSWORD_FILE: /run/secrets/clickhouse_console_password');
    expect(read('Makefile')).toMatch(/up -d --wait --no-deps .* notifier console/);
  });

  it('the notifier in the full stack uses its own user and password', () => {
    const apps = read('docker-compose.apps.yml');
    const notifier = apps.slice(apps.indexOf('\n  notifier:'));
    const env = notifier.slice(0, notifier.indexOf('healthcheck:'));
    expect(env).toContain('CLICKHOUSE_USER: notifier');
    expect(env).toContain('CLICKHOUSE_PASSWORD_FILE: /run/secrets/clickhouse_notifier_password');
  });
});
