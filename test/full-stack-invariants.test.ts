import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DATABASE_PLACEHOLDER,
  envExample,
  grantsOf,
  healthCheckCommands,
  type ImageManifest,
  imageManifests,
  loadProject,
  origin,
  type Profile,
  type Project,
  readStack,
  type Service,
  stackRoot,
  usersFile,
  usersFileText,
} from './full-stack-model.js';

/**
 * What the Docker full stack (`make start`) needs to hold across files, checked without a
 * Docker engine (issue 21): each check reads two or more files that must agree — compose,
 * the ClickHouse users file, Grafana provisioning, the Makefile, docs/full-stack.md and the
 * images' own facts in docker/images/*.json. Point STACK_ROOT at another copy of the
 * repository to check its files instead.
 */

let project: Project;
let manifests: Map<string, ImageManifest>;
const services = () => Object.entries(project.services);
const manifestOf = (name: string, service: Service): ImageManifest => {
  const manifest = manifests.get(service.image ?? '');
  if (!manifest) throw new Error(`${name}: no docker/images/*.json records what ${service.image} holds`);
  return manifest;
};
const isOneShot = (s: Service) => s.restart === 'no';

beforeAll(() => {
  project = loadProject();
  manifests = imageManifests();
}, 300_000);

describe(`full stack invariants (${stackRoot})`, () => {
  it('sends each ClickHouse client a query deadline every constraint of its profile accepts', () => {
    const users = usersFile();
    const grafana = manifestOf('grafana', project.services.grafana as Service).queryClient;
    const datasource = parse(readStack('grafana/provisioning/datasources/clickhouse.yaml')).datasources[0];
    const hyperdx = manifestOf('hyperdx', project.services.hyperdx as Service).queryClient;
    const connection = JSON.parse(project.services.hyperdx?.environment?.DEFAULT_CONNECTIONS ?? '[]')[0];
    const clients = [
      {
        who: 'Grafana datasource',
        user: datasource.jsonData.username as string,
        timeout: Number(datasource.jsonData.queryTimeout ?? grafana?.defaultTimeoutSeconds),
        margin: grafana?.driverMarginSeconds ?? Number.NaN,
      },
      {
        who: 'HyperDX connection',
        user: connection?.username as string,
        timeout: hyperdx?.defaultTimeoutSeconds ?? Number.NaN,
        margin: hyperdx?.driverMarginSeconds ?? Number.NaN,
      },
    ];
    for (const client of clients) {
      const profile = users.profiles[users.users[client.user]?.profile ?? ''] as Profile;
      const sent = client.timeout + client.margin;
      const limit = profile?.constraints?.max_execution_time;
      expect(limit?.max, `${client.who}: ${client.user}'s profile bounds max_execution_time`).toBeDefined();
      expect(
        sent,
        `${client.who}: max_execution_time sent = ${client.timeout} s timeout + ${client.margin} s driver margin, constraint max ${limit?.max}`,
      ).toBeLessThanOrEqual(limit?.max as number);
      expect(sent, `${client.who}: constraint min`).toBeGreaterThanOrEqual(limit?.min ?? 0);
    }
  });

  it('lets no read-only user set a limit to 0 (unlimited), raise it, or lift readonly', () => {
    const users = usersFile();
    for (const user of ['analyst', 'grafana', 'hyperdx']) {
      const profile = users.profiles[users.users[user]?.profile ?? ''] as Profile;
      const limits = Object.keys(profile).filter((k) => k.startsWith('max_'));
      expect(limits.length, `${user}: limits`).toBeGreaterThanOrEqual(3);
      for (const limit of limits) {
        const c = profile.constraints?.[limit];
        expect(c?.min ?? 0, `${user}: ${limit} needs a min ≥ 1 (0 = unlimited)`).toBeGreaterThanOrEqual(1);
        expect(c?.max, `${user}: ${limit} max`).toBe(profile[limit]);
      }
      const readonly = profile.constraints?.readonly;
      expect(readonly && ('const' in readonly || 'readonly' in readonly), `${user}: readonly is const`).toBe(
        true,
      );
    }
  });

  it('builds each image tag in exactly one service; the others never pull it', () => {
    const byImage = new Map<string, Array<[string, Service]>>();
    for (const [name, service] of services())
      byImage.set(service.image ?? '', [...(byImage.get(service.image ?? '') ?? []), [name, service]]);
    for (const [image, users] of byImage) {
      const builders = users.filter(([, s]) => s.build).map(([n]) => n);
      if (builders.length === 0) continue;
      expect(builders, `${image} is built by`).toHaveLength(1);
      for (const [name, service] of users.filter(([, s]) => !s.build))
        expect(service.pull_policy, `${name} runs the local ${image}: pull_policy`).toBe('never');
    }
    expect(readStack('Makefile')).toMatch(/\$\(COMPOSE\) build [a-z-]/);
  });

  it('mounts every named volume where its service writes, and every stateful service has one', () => {
    for (const [name, service] of services()) {
      const manifest = manifestOf(name, service);
      const named = (service.volumes ?? []).filter((v) => v.type === 'volume');
      if (!manifest.dataDir) {
        expect(named, `${name} writes no state but mounts a volume`).toEqual([]);
        continue;
      }
      const writes =
        (manifest.dataDirFrom && service.environment?.[manifest.dataDirFrom]) || manifest.dataDir;
      expect(
        named.map((v) => v.target),
        `${name} writes to ${writes}${manifest.dataDirFrom ? ` (${manifest.dataDirFrom})` : ''}`,
      ).toEqual([writes]);
    }
  });

  it('serves every published port on an address the publish reaches', () => {
    const reachable = ['0.0.0.0', '::', '[::]', ''];
    const collector = readStack('otel-collector/config.yaml');
    for (const [name, service] of services()) {
      for (const { target } of service.ports ?? []) {
        const env = service.environment ?? {};
        const manifest = manifestOf(name, service);
        let bind: string | undefined;
        if (manifest.listen.fromListenersVariable) {
          const listeners = env[manifest.listen.fromListenersVariable as string] ?? '';
          bind = new RegExp(`//([^,:]*|\\[[^\\]]*\\]):${target}(,|$)`).exec(listeners)?.[1];
        } else if (manifest.listen.fromCollectorConfig) {
          bind = new RegExp(`endpoint: ([^\\s:]*):${target}\\b`).exec(collector)?.[1];
        } else if (manifest.listen.opsPorts) {
          const ops = manifest.listen.opsPorts as Record<string, string>;
          const portKey = Object.keys(env).find(
            (k) => k.endsWith(ops.portVariableSuffix as string) && Number(env[k]) === target,
          );
          const hostKey = portKey?.replace(
            ops.portVariableSuffix as string,
            ops.hostVariableSuffix as string,
          );
          const own = manifest.listen[String(target)] as { default?: string; variable?: string } | undefined;
          // A port of its own (the console's), not an ops port: its listen entry names it.
          bind = portKey
            ? (env[hostKey as string] ?? ops.default)
            : own && ((own.variable && env[own.variable]) || own.default);
        } else {
          const listen = manifest.listen[String(target)] as { default?: string; variable?: string };
          bind = (listen?.variable && env[listen.variable]) || listen?.default;
        }
        expect(reachable, `${name} publishes ${target}, which listens on ${bind}`).toContain(bind);
      }
    }
  });

  it('prints (Makefile, docs/full-stack.md) exactly the public URL each UI is configured with', () => {
    const env = envExample();
    const published = new Map<string, string>();
    for (const [name, service] of services())
      for (const port of service.ports ?? []) published.set(String(port.published), name);
    const printed: Array<[string, string]> = [];
    for (const m of readStack('Makefile').matchAll(/(https?:\/\/[^\s"$]+:)\$\$\{([A-Z_]+)\}(\/?)/g))
      printed.push([`Makefile`, `${m[1]}${env.get(m[2] as string)}${m[3]}`]);
    for (const m of readStack('docs/full-stack.md').matchAll(/https?:\/\/(?:127\.0\.0\.1|localhost):\d+/g))
      printed.push(['docs/full-stack.md', m[0]]);
    let uis = 0;
    for (const [where, url] of printed) {
      const service = published.get(new URL(url).port);
      if (!service) continue;
      const manifest = manifestOf(service, project.services[service] as Service);
      if (!manifest.publicUrlFrom) continue;
      uis++;
      const configured = project.services[service]?.environment?.[manifest.publicUrlFrom];
      expect(configured, `${service}: ${manifest.publicUrlFrom} is set`).toBeTruthy();
      expect(
        origin(url),
        `${where} prints ${url}; ${service}'s ${manifest.publicUrlFrom}=${configured}`,
      ).toBe(origin(configured as string));
    }
    expect(uis, 'printed UI addresses').toBeGreaterThanOrEqual(4);
  });

  it('runs each health check with a command its image holds', () => {
    for (const [name, service] of services()) {
      const manifest = manifestOf(name, service);
      for (const command of healthCheckCommands(service.healthcheck?.test ?? [])) {
        const known = command.startsWith('/') ? manifest.paths : manifest.tools;
        expect(known, `${name}'s health check runs ${command}; ${service.image} holds`).toContain(command);
      }
    }
  });

  it('grants on CLICKHOUSE_DATABASE, whatever it is, and fills passwords from secrets files', () => {
    const text = usersFileText();
    expect(text, `the users file names the app database only as ${DATABASE_PLACEHOLDER}`).not.toMatch(
      /GRANT [^<]* ON tradewatch\./,
    );
    const dir = mkdtempSync(join(tmpdir(), 'ch-entrypoint-'));
    const template = join(dir, 'users.xml');
    writeFileSync(template, text);
    const secrets: Record<string, string> = {};
    for (const name of new Set([...text.matchAll(/from_env="([A-Z0-9_]+)"/g)].map((m) => m[1] as string))) {
      const file = join(dir, name.toLowerCase());
      writeFileSync(file, `secret-of-${name}`);
      secrets[`${name}_FILE`] = file;
    }
    const rendered = join(dir, 'rendered.xml');
    const run = (database: string) =>
      execFileSync('bash', [join(stackRoot, 'clickhouse/server/entrypoint.sh')], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          ...secrets,
          CLICKHOUSE_DATABASE: database,
          CLICKHOUSE_DB: database,
          TRADEWATCH_USERS_TEMPLATE: template,
          TRADEWATCH_USERS_FILE: rendered,
          // The single-node server mounts no config.d file that reads a variable.
          TRADEWATCH_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'ch-config-d-')),
          TRADEWATCH_NEXT_ENTRYPOINT: 'env',
        },
      });
    const environment = run('risk_ops');
    for (const name of Object.keys(secrets).map((k) => k.replace(/_FILE$/, '')))
      expect(environment, `${name} exported from ${name}_FILE`).toContain(`${name}=secret-of-${name}`);
    const users = usersFile('unused', readFileSync(rendered, 'utf8'));
    for (const user of ['analyst', 'grafana', 'notifier', 'console']) {
      const grants = grantsOf(users, user);
      expect(
        grants.some((g) => / ON risk_ops\./.test(g)),
        `${user} granted on risk_ops`,
      ).toBe(true);
      expect(
        grants.filter((g) => / ON tradewatch\./.test(g)),
        user,
      ).toEqual([]);
    }
    expect(() => run('bad-name; DROP')).toThrow(
      /CLICKHOUSE_DATABASE="bad-name; DROP": expected an identifier/,
    );
    const clickhouse = project.services.clickhouse?.environment ?? {};
    expect(clickhouse.CLICKHOUSE_DATABASE, 'the server renders the database the image creates').toBe(
      clickhouse.CLICKHOUSE_DB,
    );
    expect(project.services.clickhouse?.entrypoint?.join(' ')).toContain('/tradewatch/entrypoint.sh');
  });

  it('puts no password in a container variable (Docker secrets files instead)', () => {
    const env = envExample();
    const secrets = [...env].filter(([k]) => /PASSWORD|SECRET/.test(k) && !/WEBHOOK|SESSION/.test(k));
    // HyperDX reads its connection only from DEFAULT_CONNECTIONS (no *_FILE form): its
    // read-only otel user is the one left, documented in docs/full-stack.md.
    const allowed = new Set(['hyperdx:CLICKHOUSE_HYPERDX_PASSWORD']);
    for (const [name, service] of services())
      for (const [key, value] of Object.entries(service.environment ?? {}))
        for (const [secret, plain] of secrets)
          if (!allowed.has(`${name}:${secret}`))
            expect(value?.includes(plain), `${name}.${key} carries ${secret} in plain`).toBe(false);
  });

  it('starts in any order on a first run: every service restarts, ClickHouse is healthy only when really up', () => {
    for (const [name, service] of services())
      if (!isOneShot(service))
        expect(['unless-stopped', 'always', 'on-failure'], `${name} restart policy`).toContain(
          service.restart,
        );
    const clickhouse = project.services.clickhouse?.healthcheck;
    expect(clickhouse?.start_period, 'ClickHouse health check start_period').toBeTruthy();
    // The image's first-start init runs a temporary server on 127.0.0.1 only.
    expect(clickhouse?.test?.join(' '), 'ClickHouse health check address').not.toMatch(
      /127\.0\.0\.1|localhost/,
    );
  });

  it('provisions HyperDX sources that free-text search can read', () => {
    const sources = JSON.parse(project.services.hyperdx?.environment?.DEFAULT_SOURCES ?? '[]') as Array<
      Record<string, string>
    >;
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const expected = source.kind === 'log' ? source.bodyExpression : source.spanNameExpression;
      expect(source.implicitColumnExpression, `${source.name}: implicitColumnExpression`).toBe(expected);
    }
  });

  it('goes live only when every venue the market connector streams answers', () => {
    const probe = /^PRODUCERS \?=((?:.*\\\n)*.*)$/m.exec(readStack('Makefile'))?.[1] ?? '';
    for (const venue of (envExample().get('MARKET_VENUES') ?? '').split(',')) {
      const rest = /defaultRestUrl: '([^']+)'/.exec(readStack(`producers/market/venues/${venue}.ts`))?.[1];
      expect(probe, `make start's live check asks ${venue} (${rest})`).toContain(
        new URL(rest as string).host,
      );
    }
  });

  it('builds the app image on the Node release the project pins', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+\.\d+)-/m.exec(readStack('Dockerfile'));
    expect(image?.[1], 'Node major').toBe('24');
    let pinned = '';
    try {
      pinned = readStack('.nvmrc').trim();
    } catch {}
    if (pinned) expect(`${image?.[1]}.${image?.[2]}`).toBe(pinned.replace(/^v/, ''));
  });

  it('copies into the app image every module its services start, and the migrations with their baseline', async () => {
    const app = services().filter(([, s]) => s.image === 'tradewatch/app:local');
    const cmd = /^CMD \["([^"]+)"\]/m.exec(readStack('Dockerfile'))?.[1] as string;
    const entries = [...new Set([cmd, ...app.map(([, s]) => s.command?.[0] ?? cmd)])];
    expect(entries).toEqual(expect.arrayContaining(['stack/migrate.ts', 'alerting/main.ts']));
    const copied = [...readStack('Dockerfile').matchAll(/^COPY (?!--)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/),
    );
    const inImage = (file: string) =>
      copied.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, '')}/`));
    const { cruise } = await import('dependency-cruiser');
    const graph = await cruise(entries, { baseDir: stackRoot, doNotFollow: { path: 'node_modules' } });
    const output = graph.output as { modules: { source: string; coreModule?: boolean }[] };
    const local = output.modules
      .filter((m) => !m.coreModule && !m.source.startsWith('node_modules/'))
      .map((m) => m.source);
    expect(local.length).toBeGreaterThan(50);
    expect(local.filter((f) => !inImage(f))).toEqual([]);
    // Read at run time, not imported: a fresh database needs the baseline (0001–0140 are only in it).
    for (const dir of ['clickhouse/migrations', 'clickhouse/baseline', 'alerting/rules'])
      expect(inImage(`${dir}/x`), dir).toBe(true);
  }, 120_000);
});
