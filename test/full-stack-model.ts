import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/**
 * The Docker full stack as files describe it, loaded from one directory (the repository, or
 * an old copy of it: `STACK_ROOT=/tmp/old npx vitest run test/full-stack-invariants.test.ts`
 * shows what today's checks say about yesterday's files). Compose files are merged by
 * tools/compose-check (compose-go, the loader Docker Compose uses) with .env.example.
 */

const repo = resolve(import.meta.dirname, '..');
export const stackRoot = resolve(process.env.STACK_ROOT ?? repo);
export const readStack = (file: string) => readFileSync(join(stackRoot, file), 'utf8');

export const composeFiles = [
  'docker-compose.kafka.yml',
  'docker-compose.clickhouse.yml',
  'docker-compose.observability.yml',
  'docker-compose.apps.yml',
];

export interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  pull_policy?: string;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  ports?: Array<{ target: number; published?: string; host_ip?: string }>;
  volumes?: Array<{ type: string; source?: string; target: string }>;
  healthcheck?: { test?: string[]; start_period?: string };
  restart?: string;
  depends_on?: Record<string, { condition: string }>;
  networks?: Record<string, { aliases?: string[] } | null>;
}
export interface Project {
  services: Record<string, Service>;
}

/** The merged compose project as compose-go loads it (validated); `files` defaults to `make start`'s four. */
export function loadProject(files: readonly string[] = composeFiles): Project {
  const out = execFileSync(
    'go',
    ['run', '.', '-env-file', join(stackRoot, '.env.example'), ...files.map((f) => join(stackRoot, f))],
    {
      cwd: join(repo, 'tools/compose-check'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    },
  );
  return JSON.parse(out) as Project;
}

export function envExample(): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of readStack('.env.example').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1] as string, m[2] as string);
  }
  return vars;
}

/**
 * docker/images/*.json: what each pinned image holds, learned from its sources. STACK_IMAGES
 * reads them from elsewhere (e.g. today's facts beside an old copy's compose files).
 */
export interface ImageManifest {
  image: string;
  tools: string[];
  paths: string[];
  dataDir?: string;
  dataDirFrom?: string;
  listen: Record<string, { default?: string; variable?: string } | string | Record<string, string>>;
  publicUrlFrom?: string;
  queryClient?: { defaultTimeoutSeconds: number; driverMarginSeconds: number; timeoutField?: string };
}

export function imageManifests(): Map<string, ImageManifest> {
  const dir = resolve(process.env.STACK_IMAGES ?? join(stackRoot, 'docker/images'));
  const manifests = new Map<string, ImageManifest>();
  if (!existsSync(dir)) return manifests;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const manifest = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ImageManifest;
    manifests.set(manifest.image, manifest);
  }
  return manifests;
}

export type Profile = Record<string, unknown> & {
  constraints?: Record<string, { min?: number; max?: number; const?: unknown; readonly?: unknown }>;
};
export interface UsersFile {
  profiles: Record<string, Profile>;
  users: Record<string, { profile: string; grants?: { query: string | string[] } }>;
}

const USERS_FILE = 'clickhouse/server/users.d/tradewatch.xml';
/** How the users file names the app database; clickhouse/server/entrypoint.sh renders it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the file's placeholder, not a JS template
export const DATABASE_PLACEHOLDER = '${CLICKHOUSE_DATABASE}';

/** The users file as ClickHouse reads it, with ${CLICKHOUSE_DATABASE} rendered as `database`. */
export function usersFile(database = 'tradewatch', text = readStack(USERS_FILE)): UsersFile {
  const rendered = text.replaceAll(DATABASE_PLACEHOLDER, database);
  const parsed = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    allowBooleanAttributes: true,
  }).parse(rendered) as { clickhouse: UsersFile };
  return parsed.clickhouse;
}
export const usersFileText = () => readStack(USERS_FILE);

export function grantsOf(users: UsersFile, user: string): string[] {
  const q = users.users[user]?.grants?.query ?? [];
  return (Array.isArray(q) ? q : [q]).map((g) => g.replace(/\s+/g, ' ').trim());
}

/** The commands a health check runs: argv[0] for CMD, each pipeline stage's first word for CMD-SHELL. */
export function healthCheckCommands(test: string[]): string[] {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return rest.slice(0, 1);
  if (kind !== 'CMD-SHELL') return [];
  return [
    'sh',
    ...(rest[0] ?? '')
      .split(/\|\||&&|[|;]/)
      .map((stage) => stage.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean),
  ];
}

/** `scheme://host:port` of a URL, for comparing what is printed with what is configured. */
export const origin = (url: string) => new URL(url).origin;
