import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { messageOf } from '../lib/errors.js';

/** Why no Docker engine can be used, asked through the docker CLI (its context and DOCKER_HOST); undefined when one answers. */
export function noDockerEngine(): string | undefined {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || messageOf(err);
  }
}

/** `TEST_BACKEND=docker`: the suite runs against the pinned images instead of the embedded broker and engine. */
export const dockerBackend = process.env.TEST_BACKEND === 'docker';

/** A port free on loopback now, for a container in the host network or a published port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

/** .env.example with fresh secrets and free host ports, so a compose run collides with nothing. */
export async function composeEnvFile(): Promise<{ path: string; vars: Map<string, string> }> {
  const vars = new Map<string, string>();
  const root = resolve(import.meta.dirname, '..');
  for (const line of readFileSync(join(root, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const [name, value] = [m[1] as string, m[2] as string];
    if (/_HOST_PORT$/.test(name)) vars.set(name, String(await freePort()));
    else if (/PASSWORD|SECRET/.test(name)) vars.set(name, randomBytes(24).toString('hex'));
    else vars.set(name, value);
  }
  const path = join(mkdtempSync(join(tmpdir(), 'tradewatch-docker-')), '.env');
  writeFileSync(path, [...vars].map(([k, v]) => `${k}=${v}`).join('\n'), { mode: 0o600 });
  return { path, vars };
}
