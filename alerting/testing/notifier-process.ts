import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '../../lib/time.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The notifier as its own process (`alerting/main.ts`), so a test can SIGKILL it mid-delivery. */
export interface NotifierProcess {
  child: ChildProcess;
  opsUrl: string;
  output: string[];
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startNotifierProcess(env: Record<string, string>): Promise<NotifierProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'alerting/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', NOTIFIER_OPS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let opsUrl: string | undefined;
  let exited: string | undefined;
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; ops?: string };
        if (entry.msg === 'notifier ready') opsUrl = entry.ops;
      } catch {
        // Not a log line.
      }
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  child.on('exit', (code, signal) => {
    exited = `exited (${code ?? signal})`;
  });
  await waitFor('the notifier to be ready', async () => opsUrl, {
    timeoutMs: 60_000,
    giveUpIf: () => (exited ? `${exited}: ${output.slice(-5).join('\n')}` : undefined),
  });
  return {
    child,
    opsUrl: opsUrl as string,
    output,
    kill: (signal) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}

/** Runs the alerts CLI with the test's database; returns its stdout. */
export async function runAlertsCli(env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'alerting/cli.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    },
  );
  return stdout;
}
