import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The Docker Compose stack, checked without a Docker engine. compose-go (the loader Docker
 * Compose itself uses; tools/compose-check) validates each file against the Compose
 * Specification schema and the merged project's references; this file then checks that
 * every file, port and variable the stack names exists.
 */

const root = resolve(import.meta.dirname, '..');
const composeFiles = [
  'docker-compose.kafka.yml',
  'docker-compose.clickhouse.yml',
  'docker-compose.observability.yml',
  'docker-compose.apps.yml',
];

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: Array<{ target: number; published?: string; host_ip?: string }>;
  volumes?: Array<{ type: string; source?: string; target: string }>;
  healthcheck?: { test?: string[] };
  restart?: string;
  secrets?: Array<{ source: string; target: string }>;
}
interface Project {
  services: Record<string, Service>;
}

function composeCheck(files: string[], envFile = join(root, '.env.example')): string {
  return execFileSync('go', ['run', '.', '-env-file', envFile, ...files], {
    cwd: join(root, 'tools/compose-check'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readFileSync(join(root, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1] as string, m[2] as string);
  }
  return vars;
}

/** `${NAME}`, `${NAME:-default}`, `${env:NAME}` in a file's text. */
function variablesIn(text: string): string[] {
  return [...text.matchAll(/\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}/g)].map(
    (m) => m[1] as string,
  );
}

const isOneShot = (s: Service) => s.restart === 'no';

describe('compose files', () => {
  let project: Project;
  let listening: Map<string, Set<number>>;

  beforeAll(() => {
    project = JSON.parse(composeCheck(composeFiles.map((f) => join(root, f)))) as Project;
    listening = listeningPorts(project);
  }, 300_000);

  it('are valid Compose files, alone and merged, with every profile', () => {
    expect(Object.keys(project.services).sort()).toEqual(
      [
        'clickhouse',
        'clickhouse-migrate',
        'console',
        'grafana',
        'hyperdx',
        'kafka',
        'kafka-topics',
        'market',
        'market-sample',
        'mongo',
        'notifier',
        'otel-collector',
        'sentiment',
        'simulator',
      ].sort(),
    );
  });

  it('refuses what the specification refuses (the validator is not a no-op)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-check-'));
    const badKey = join(dir, 'bad-key.yml');
    writeFileSync(badKey, 'services:\n  a:\n    imagee: busybox:1.37.0\n');
    const badRef = join(dir, 'bad-ref.yml');
    writeFileSync(badRef, 'services:\n  a:\n    image: busybox:1.37.0\n    depends_on: [missing]\n');
    expect(() => composeCheck([badKey])).toThrow(/imagee|additional/i);
    expect(() => composeCheck([badRef])).toThrow(/missing/);
  });

  it('pins every image and gives every long-running service a health check', () => {
    for (const [name, service] of Object.entries(project.services)) {
      expect(service.image, name).toMatch(/^[^:]+:[0-9A-Za-z][\w.-]*$/);
      expect(service.image, name).not.toMatch(/:latest$/);
      if (!isOneShot(service))
        expect(service.healthcheck?.test?.length, `${name} health check`).toBeGreaterThan(0);
    }
  });

  it('takes every variable from .env.example, and .env.example documents only used ones', () => {
    const documented = envExample();
    const used = new Set<string>();
    // The cluster override (make start-cluster) reads the same .env; its own checks are in
    // clickhouse/cluster/cluster.int.test.ts.
    for (const file of [...composeFiles, 'docker-compose.cluster.yml']) {
      const text = readFileSync(join(root, file), 'utf8');
      // Docker secrets made from a variable: `secrets: {name: {environment: VAR}}`.
      const secretSources = [...text.matchAll(/^ {4}environment: ([A-Z][A-Z0-9_]*)$/gm)].map(
        (m) => m[1] as string,
      );
      for (const name of [...variablesIn(text), ...secretSources]) {
        used.add(name);
        expect(documented.has(name), `${file}: \${${name}} is not in .env.example`).toBe(true);
      }
    }
    expect([...documented.keys()].filter((name) => !used.has(name))).toEqual([]);
  });

  it('passes each config file the variables and secrets files it reads', () => {
    const needs: Array<[string, string]> = [
      ['otel-collector', 'otel-collector/config.yaml'],
      ['grafana', 'grafana/provisioning/datasources/clickhouse.yaml'],
      ['clickhouse', 'clickhouse/server/users.d/tradewatch.xml'],
    ];
    for (const [service, file] of needs) {
      const text = readFileSync(join(root, file), 'utf8');
      const names = [
        ...variablesIn(text),
        ...[...text.matchAll(/from_env="([A-Z0-9_]+)"/g)].map((m) => m[1] as string),
      ];
      // ${file:…} (collector) and $__file{…} (Grafana): a secret mounted under /run/secrets.
      const files = [...text.matchAll(/\$(?:\{file:|__file\{)(\/run\/secrets\/[\w.-]+)\}/g)].map(
        (m) => m[1] as string,
      );
      expect(names.length + files.length, file).toBeGreaterThan(0);
      const env = project.services[service]?.environment ?? {};
      // clickhouse/server/entrypoint.sh exports NAME from NAME_FILE.
      for (const name of names)
        expect(name in env || `${name}_FILE` in env, `${file} reads ${name}`).toBe(true);
      const mounted = (project.services[service]?.secrets ?? []).map((x) => x.target);
      for (const path of files) expect(mounted, `${file} reads ${path}`).toContain(path);
    }
  });

  it('mounts and builds only files that exist', () => {
    for (const [name, service] of Object.entries(project.services)) {
      for (const volume of service.volumes ?? []) {
        if (volume.type === 'bind')
          expect(existsSync(volume.source as string), `${name}: ${volume.source}`).toBe(true);
      }
      if (service.build) {
        expect(existsSync(join(service.build.context, service.build.dockerfile)), `${name} Dockerfile`).toBe(
          true,
        );
      }
    }
    // A path given to a container that lies under one of its bind mounts exists on the host.
    for (const [name, service] of Object.entries(project.services)) {
      const values = [...Object.values(service.environment ?? {}), ...(service.command ?? [])];
      for (const value of values) {
        for (const volume of service.volumes ?? []) {
          if (volume.type === 'bind' && value?.startsWith(`${volume.target}/`)) {
            const onHost = join(volume.source as string, value.slice(volume.target.length));
            expect(existsSync(onHost), `${name}: ${value}`).toBe(true);
          }
        }
      }
    }
  });

  it('starts app services on entry files the image holds', () => {
    const copied = copiedPaths(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    for (const [name, service] of Object.entries(project.services)) {
      if (service.image !== 'tradewatch/app:local') continue;
      for (const arg of service.command ?? []) {
        if (!/^[a-z]+\/[\w./-]+\.(ts|gz|json)$/.test(arg)) continue;
        expect(existsSync(join(root, arg)), `${name}: ${arg}`).toBe(true);
        expect(
          copied.some((p) => arg === p || arg.startsWith(`${p}/`)),
          `${name}: ${arg} is not copied into the image`,
        ).toBe(true);
      }
    }
  });

  it('points every port at something that listens on it', () => {
    for (const [name, service] of Object.entries(project.services)) {
      const own = listening.get(name) ?? new Set<number>();
      for (const port of service.ports ?? []) {
        expect(own.has(port.target), `${name} publishes ${port.target}, listens on ${[...own]}`).toBe(true);
        expect(port.host_ip, `${name} publishes on loopback only`).toBe('127.0.0.1');
      }
      for (const part of service.healthcheck?.test ?? []) {
        for (const m of part.matchAll(/127\.0\.0\.1:(\d+)/g)) {
          expect(own.has(Number(m[1])), `${name} health check port ${m[1]}`).toBe(true);
        }
      }
      // host:port references to other services: the environment, and the collector's config.
      for (const value of Object.values(service.environment ?? {})) {
        for (const m of (value ?? '').matchAll(/(?:\/\/|^|,|@)([a-z][a-z0-9-]*):(\d+)/g)) {
          const [host, port] = [m[1] as string, Number(m[2])];
          if (!(host in project.services)) continue;
          expect(listening.get(host)?.has(port), `${name} → ${host}:${port}`).toBe(true);
        }
      }
    }
    const collector = readFileSync(join(root, 'otel-collector/config.yaml'), 'utf8');
    expect(collector).toContain('tcp://clickhouse:9000');
    expect(listening.get('clickhouse')?.has(9000)).toBe(true);
    const datasource = parse(
      readFileSync(join(root, 'grafana/provisioning/datasources/clickhouse.yaml'), 'utf8'),
    );
    const ds = datasource.datasources[0].jsonData as { host: string; port: number };
    expect(listening.get(ds.host)?.has(ds.port)).toBe(true);
  });

  it('names in the Makefile only services that exist', () => {
    const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
    for (const m of makefile.matchAll(/^(?:INFRA|APPS_\w+) := (.+)$/gm)) {
      for (const name of (m[1] as string).split(/\s+/)) expect(project.services, name).toHaveProperty(name);
    }
    expect(makefile).toContain('run --rm clickhouse-migrate');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('is multi-stage on a pinned Node LTS image and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-[\w-]+$/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/--omit=dev/);
  });

  it('copies only paths that exist', () => {
    for (const path of copiedPaths(dockerfile)) expect(existsSync(join(root, path)), path).toBe(true);
  });
});

/** What each service listens on inside the network, read from its own configuration. */
function listeningPorts(project: Project): Map<string, Set<number>> {
  const ports = new Map<string, Set<number>>();
  const add = (service: string, ...values: Array<number | string | null | undefined>) => {
    const set = ports.get(service) ?? new Set<number>();
    for (const v of values) if (v !== undefined && v !== null && v !== '') set.add(Number(v));
    ports.set(service, set);
  };
  const env = (service: string) => project.services[service]?.environment ?? {};
  for (const m of (env('kafka').KAFKA_LISTENERS ?? '').matchAll(/:(\d+)/g)) add('kafka', m[1]);
  // The images' documented defaults, which the compose files do not change.
  add('clickhouse', 8123, 9000);
  add('grafana', 3000);
  add('mongo', 27017);
  add('hyperdx', env('hyperdx').HYPERDX_APP_PORT, env('hyperdx').HYPERDX_API_PORT);
  const collector = readFileSync(join(root, 'otel-collector/config.yaml'), 'utf8');
  for (const m of collector.matchAll(/endpoint: 0\.0\.0\.0:(\d+)/g)) add('otel-collector', m[1]);
  for (const [name, service] of Object.entries(project.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/(_OPS_PORT|^COLLECTOR_PORT|^CONSOLE_PORT)$/.test(key)) add(name, value);
    }
  }
  return ports;
}

/** Repository paths the Dockerfile's COPY lines take from the build context. */
function copiedPaths(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => {
    const parts = (m[1] as string).trim().split(/\s+/);
    return parts.slice(0, -1).map((p) => p.replace(/\/$/, ''));
  });
}
