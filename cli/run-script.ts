import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, ExitCode } from './exit-codes.js';
import { type Progress, type ProgressOptions, startProgress } from './progress.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** tsx's loader by absolute URL: the child may run in any directory, not only the repo. */
export const TSX_LOADER = import.meta.resolve('tsx');

/**
 * Runs one of the platform's own entry points (producers/…/main.ts, alerting/main.ts) as a
 * child process, exactly as `npm run …` would: the CLI adds argument checking, progress and
 * exit codes, never a second copy of the service. Ctrl-C and SIGTERM are passed on so the
 * service shuts down its own way (flushing Kafka, closing files).
 */
export async function runScript(options: {
  script: string;
  args?: string[];
  env?: Record<string, string>;
  what: string;
  progress?: Omit<ProgressOptions, 'label'> & { label?: string };
}): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, resolve(REPO_ROOT, options.script), ...(options.args ?? [])],
    {
      cwd: process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: 'inherit',
    },
  );
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  let progress: Progress | undefined;
  if (options.progress) progress = startProgress({ label: options.what, ...options.progress });
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('exit', (c, s) => done([c, s]));
    });
    await progress?.stop();
    // Stopped by the person (Ctrl-C) or a supervisor: the service shut down as asked.
    if (signal === 'SIGINT' || signal === 'SIGTERM' || code === 0) return;
    throw new CliError(
      ExitCode.FAILED,
      `${options.what} stopped with ${code === null ? `signal ${signal}` : `exit code ${code}`}; its log above says why.`,
    );
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/**
 * The environment a command's flags set for the script it runs: each flag given (a value, or
 * `true` for a switch) under its variable's name (`names`: flag → variable); flags not given
 * leave the variable to the environment.
 */
export function envFromFlags(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  names: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(names).flatMap(([flag, name]) => {
      const value = flags[flag];
      return value === undefined || value === false || value === '' ? [] : [[name, String(value)]];
    }),
  );
}
