import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ErrorCode, TradewatchError } from '../lib/errors.js';

export interface ManagedChild {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Resolves when `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return done;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  return done.finally(() => clearTimeout(timer));
}

/**
 * Spawns a long-running helper whose stdout and stderr go to `logFile`, and waits until a
 * stdout line satisfies `ready` (its value is returned) or the process exits first, in
 * which case the error quotes the log's last lines: a start-up failure shows its cause.
 */
export async function spawnUntilReady<T>(options: {
  what: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  timeoutMs: number;
  ready: (line: string) => T | undefined;
}): Promise<ManagedChild & { value: T }> {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) if (line) remember(line);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const value = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new TradewatchError(
          ErrorCode.TIMEOUT,
          `${options.what} was not ready within ${options.timeoutMs} ms; last output:\n${tail.join('\n')}\n(full log: ${options.logFile})`,
        ),
      );
    }, options.timeoutMs);
    let settled = false;
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      remember(line);
      if (settled) return;
      const ready = options.ready(line);
      if (ready !== undefined) {
        settled = true;
        clearTimeout(timer);
        resolve(ready);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new TradewatchError(
          ErrorCode.CLICKHOUSE_START_FAILED,
          `${options.what} could not start: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.once('exit', (code, signal) => {
      if (settled) return;
      clearTimeout(timer);
      // Give the stderr pipe a moment to deliver the last lines that explain the exit.
      setTimeout(
        () =>
          reject(
            new Error(
              `${options.what} exited (${signal ?? `code ${code}`}) before it was ready; last output:\n${tail.join('\n')}\n(full log: ${options.logFile})`,
            ),
          ),
        50,
      );
    });
  });
  child.once('exit', () => log.end());
  return { child, value, stop: (graceMs) => stopChild(child, graceMs) };
}
