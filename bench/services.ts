import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../lib/time.js';
import { hashKey } from '../producers/user/keys.js';
import { stopChild } from '../stack/child-process.js';
import { processMemory } from './report.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Service {
  name: string;
  child: ChildProcess;
  pid: number;
  output: string[];
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * A platform service as its own process (`node --import tsx <entry>`), as it runs in
 * production; its output goes to `<dir>/<name>.log`. Resolves once a line contains
 * `readyWhen` (or at once when there is none), failing with the last lines if it exits first.
 */
export async function startService(options: {
  name: string;
  entry: string;
  args?: string[];
  env: Record<string, string | undefined>;
  dir: string;
  readyWhen?: string;
}): Promise<Service> {
  const log = createWriteStream(join(options.dir, `${options.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', options.entry, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const take = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  if (child.pid === undefined) throw new Error(`${options.name}: could not spawn ${options.entry}`);
  const { readyWhen } = options;
  if (readyWhen) {
    await waitFor(
      `${options.name} to be ready`,
      async () => output.some((l) => l.includes(readyWhen)) || undefined,
      {
        // Installing two dozen rules takes the notifier minutes when other stacks share the cores.
        timeoutMs: 300_000,
        giveUpIf: () =>
          exited()
            ? `${options.name} exited (${child.exitCode ?? child.signalCode}): ${output.slice(-5).join('\n')}`
            : undefined,
      },
    );
  }
  return {
    name: options.name,
    child,
    pid: child.pid,
    output,
    exited,
    stop: async () => {
      await stopChild(child);
      log.end();
    },
  };
}

export interface MemorySeries {
  name: string;
  pid: number;
  /** VmHWM when it was registered: the process idle, before the load. */
  idlePeakMiB: number | undefined;
  peakMiB: number | undefined;
  samples: { atS: number; rssMiB: number }[];
}

/** Samples RSS of named processes every `intervalMs`; keeps each one's peak (VmHWM). */
export class MemorySampler {
  readonly #series = new Map<string, MemorySeries>();
  readonly #started = Date.now();
  #timer: NodeJS.Timeout | undefined;

  watch(name: string, pid: number): void {
    const now = processMemory(pid);
    this.#series.set(name, { name, pid, idlePeakMiB: now?.peakMiB, peakMiB: now?.peakMiB, samples: [] });
  }

  start(intervalMs: number): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const atS = Math.round((Date.now() - this.#started) / 100) / 10;
    for (const s of this.#series.values()) {
      const m = processMemory(s.pid);
      if (!m) continue;
      s.peakMiB = Math.max(s.peakMiB ?? 0, m.peakMiB);
      s.samples.push({ atS, rssMiB: Math.round(m.rssMiB * 10) / 10 });
    }
  }

  stop(): MemorySeries[] {
    clearInterval(this.#timer);
    this.sample();
    return [...this.#series.values()];
  }
}

/** An alerting config (ALERTING_CONFIG_FILE) that routes every alert to one webhook; returns its path. */
export function writeWebhookRouting(dir: string, url: string, secret: string): string {
  const file = join(dir, 'alerting.json');
  writeFileSync(
    file,
    JSON.stringify({
      channels: { hook: { type: 'webhook', url, secret } },
      routes: [{ channels: ['hook'] }],
    }),
  );
  return file;
}

/**
 * A collector key file (COLLECTOR_KEYS_FILE) with one server key for the user endpoint's
 * three event types and a rate limit no benchmark reaches; returns its path.
 */
export function writeCollectorKeys(dir: string, key: string): string {
  const file = join(dir, 'keys.json');
  writeFileSync(
    file,
    JSON.stringify({
      keys: [
        {
          id: 'bench',
          kind: 'server',
          sha256: hashKey(key),
          endpoint: 'user',
          types: ['user.login', 'user.withdrawal', 'user.browser_action'],
          rate_limit_max_requests: 1_000_000,
        },
      ],
    }),
  );
  return file;
}
