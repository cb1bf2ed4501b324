import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from './run-script.js';

/** Test helper: `tradewatch …` as a user runs it (bin/tradewatch.js), in its own process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const TRADEWATCH_BIN = resolve(REPO_ROOT, 'bin/tradewatch.js');

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [TRADEWATCH_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
