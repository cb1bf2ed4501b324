import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { waitFor } from '../lib/time.js';
import { stackDir } from '../stack/pipeline.js';
import { CliError, ExitCode } from './exit-codes.js';
import { REPO_ROOT, TSX_LOADER } from './run-script.js';
import { freePortsFix, pingClickHouse, splitHostPort, tcpReachable } from './services.js';

/**
 * `tradewatch stack up|down|status`: the embedded stack (stack/main.ts: Kafka broker +
 * ClickHouse host + migrations) as a background process. `up` returns once stack/main.ts
 * has written `<dir>/stack.env` (it does so after the migrations), and keeps its pid in
 * `<dir>/stack.pid` and its output in `<dir>/stack.log`.
 */
const files = (dir: string) => ({
  env: join(dir, 'stack.env'),
  pid: join(dir, 'stack.pid'),
  log: join(dir, 'stack.log'),
});

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('a port, 0–65535 (0: any free port)');
  return n;
};

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runningPid(dir: string): number | undefined {
  const { pid } = files(dir);
  if (!existsSync(pid)) return undefined;
  const value = Number(readFileSync(pid, 'utf8').trim());
  return Number.isInteger(value) && value > 0 && alive(value) ? value : undefined;
}

function readStackEnv(dir: string): { KAFKA_BROKERS?: string; CLICKHOUSE_URL?: string } {
  const { env } = files(dir);
  if (!existsSync(env)) return {};
  return Object.fromEntries(
    readFileSync(env, 'utf8')
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

const lastLines = (file: string, n = 8): string =>
  existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n') : '(no output)';

/**
 * A port asked for (not 0) that something already answers on would make the broker or
 * ClickHouse fail minutes into start-up with a bind error in stack.log: say so now, with the fix.
 */
async function refuseTakenPorts(o: { kafkaPort: number; clickhousePort: number }): Promise<void> {
  const wanted = [
    { service: 'kafka' as const, name: 'Kafka', port: o.kafkaPort },
    { service: 'clickhouse' as const, name: 'ClickHouse', port: o.clickhousePort },
  ].filter((w) => w.port !== 0);
  const taken = (
    await Promise.all(
      wanted.map(async (w) =>
        (await tcpReachable('127.0.0.1', w.port, 2_000).then(
          () => true,
          () => false,
        ))
          ? [w]
          : [],
      ),
    )
  ).flat();
  if (taken.length === 0) return;
  throw new CliError(
    ExitCode.FAILED,
    `${taken.map((t) => `port ${t.port} (${t.name})`).join(' and ')} already in use on 127.0.0.1. Fix: ${freePortsFix(taken.map((t) => t.service))}.`,
  );
}

async function up(o: {
  dir: string;
  kafkaPort: number;
  clickhousePort: number;
  brokers: number;
  timeoutS: number;
}): Promise<void> {
  const dir = resolve(o.dir);
  const paths = files(dir);
  const running = runningPid(dir);
  if (running !== undefined) {
    await status({ dir });
    return;
  }
  await refuseTakenPorts(o);
  mkdirSync(dir, { recursive: true });
  const verboseLog = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
  // A stack.env left by an earlier run would look like readiness.
  rmSync(paths.env, { force: true });
  const out = openSync(paths.log, 'w');
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX_LOADER,
      join(REPO_ROOT, 'stack/main.ts'),
      '--sample-rate',
      '0',
      '--dir',
      dir,
      '--kafka-port',
      String(o.kafkaPort),
      '--clickhouse-port',
      String(o.clickhousePort),
      '--brokers',
      String(o.brokers),
    ],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', out, out],
      // The ClickHouse host reports readiness in an info line; a quieter LOG_LEVEL would
      // make the stack wait for it in vain. Its output goes to stack.log, not the terminal.
      env: { ...process.env, LOG_LEVEL: verboseLog ? (process.env.LOG_LEVEL as string) : 'info' },
    },
  );
  child.unref();
  writeFileSync(paths.pid, `${child.pid}\n`);
  process.stderr.write(`starting the embedded stack in ${dir} (pid ${child.pid}, output in ${paths.log})…\n`);
  try {
    await waitFor(
      'the embedded stack to write stack.env',
      async () => (existsSync(paths.env) ? true : undefined),
      {
        timeoutMs: o.timeoutS * 1000,
        intervalMs: 250,
        giveUpIf: () => (alive(child.pid as number) ? undefined : 'it exited'),
      },
    );
  } catch (err) {
    if (child.pid !== undefined && alive(child.pid)) process.kill(child.pid, 'SIGTERM');
    rmSync(paths.pid, { force: true });
    throw new CliError(
      ExitCode.FAILED,
      `the embedded stack did not start (${(err as Error).message}). Last lines of ${paths.log}:\n${lastLines(paths.log)}\nRun \`tradewatch doctor\` to check Java, the Kafka jars and the ports.`,
      { cause: err },
    );
  }
  const env = readStackEnv(dir);
  process.stdout.write(
    `stack up (pid ${child.pid})\nKafka:      ${env.KAFKA_BROKERS}\nClickHouse: ${env.CLICKHOUSE_URL}\n` +
      `Other terminals: set -a; . ${paths.env}; set +a\n`,
  );
}

async function down(o: { dir: string; timeoutS: number }): Promise<void> {
  const dir = resolve(o.dir);
  const paths = files(dir);
  const pid = runningPid(dir);
  if (pid === undefined) {
    rmSync(paths.pid, { force: true });
    process.stdout.write(`stack down (nothing running from ${dir})\n`);
    return;
  }
  // stack/main.ts stops ClickHouse, then the broker (controlled shutdown), then exits.
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor('the embedded stack to stop', async () => (alive(pid) ? undefined : true), {
      timeoutMs: o.timeoutS * 1000,
      intervalMs: 250,
    });
  } catch {
    throw new CliError(
      ExitCode.FAILED,
      `the embedded stack (pid ${pid}) did not stop within ${o.timeoutS} s. See ${paths.log}; \`kill -9 ${pid}\` ends it at once.`,
    );
  }
  rmSync(paths.pid, { force: true });
  rmSync(paths.env, { force: true });
  process.stdout.write(`stack down (pid ${pid} stopped)\n`);
}

async function status(o: { dir: string }): Promise<void> {
  const dir = resolve(o.dir);
  const pid = runningPid(dir);
  const env = readStackEnv(dir);
  if (pid === undefined && env.CLICKHOUSE_URL === undefined) {
    throw new CliError(
      ExitCode.UNREACHABLE,
      `stack down (no stack running from ${dir}). Start it with \`tradewatch stack up\`.`,
    );
  }
  const kafka = env.KAFKA_BROKERS
    ? await tcpReachable(splitHostPort(env.KAFKA_BROKERS).host, splitHostPort(env.KAFKA_BROKERS).port).then(
        () => 'ok',
        (err: NodeJS.ErrnoException) => `not answering (${err.code ?? err.message})`,
      )
    : 'starting';
  const clickhouse = env.CLICKHOUSE_URL ? ((await pingClickHouse(env.CLICKHOUSE_URL)) ?? 'ok') : 'starting';
  const healthy = kafka === 'ok' && clickhouse === 'ok';
  const lines = [
    `stack ${healthy ? 'up' : pid !== undefined ? 'starting or unhealthy' : 'down'}${pid !== undefined ? ` (pid ${pid})` : ' (not started by tradewatch)'}`,
    `Kafka:      ${env.KAFKA_BROKERS ?? '-'}  ${kafka}`,
    `ClickHouse: ${env.CLICKHOUSE_URL ?? '-'}  ${clickhouse === 'ok' ? 'ok' : `not answering (${clickhouse})`}`,
  ].join('\n');
  if (!healthy)
    throw new CliError(
      ExitCode.UNREACHABLE,
      `${lines}\nSee ${files(dir).log}, or restart with \`tradewatch stack down && tradewatch stack up\`.`,
    );
  process.stdout.write(`${lines}\n`);
}

export function stackCommand(): Command {
  const stack = new Command('stack').description(
    'the embedded stack (real Kafka broker + ClickHouse engine, no Docker) in the background',
  );
  const dirOption = ['--dir <path>', 'where data, logs, stack.env and stack.pid live', stackDir()] as const;
  stack
    .command('up')
    .description('start Kafka + ClickHouse, create topics, apply migrations; returns when ready')
    .option(...dirOption)
    .option('--kafka-port <port>', 'Kafka client port (0: any free port)', port, 9092)
    .option('--clickhouse-port <port>', 'ClickHouse HTTP port (0: any free port)', port, 8123)
    .option('--brokers <n>', 'Kafka brokers (3: a replicated KRaft cluster)', port, 1)
    .option('--timeout-s <seconds>', 'give up waiting after this long', port, 300)
    .action(up);
  stack
    .command('down')
    .description('stop the stack cleanly (SIGTERM; ClickHouse first, then the broker) and wait')
    .option(...dirOption)
    .option('--timeout-s <seconds>', 'give up waiting after this long', port, 120)
    .action(down);
  stack
    .command('status')
    .description('up or down, where it listens, and whether both answer (exit 3 when down)')
    .option(...dirOption)
    .action(status);
  return stack;
}
