/**
 * `make demo` / `npm run demo`: the whole platform on one machine, no Docker. Starts the
 * embedded stack (Kafka broker + ClickHouse engine), migrates, installs the alert rules,
 * replays the recorded market sample and the crafted derivatives tape (funding extreme, a
 * liquidation cascade, a whale…), runs the simulator with every labelled scenario over
 * background flow, relays alerts through the notifier to the terminal (and Slack, Telegram
 * or a webhook when configured), and shows a status: on a terminal one block redrawn in
 * place with the alerts printed above it, otherwise three plain lines every ten seconds.
 * Ctrl-C, SIGTERM or --duration stop everything and print which scenarios were caught and when.
 *
 * `npm run demo` runs it with `node --import tsx`, not the tsx CLI: a terminal's Ctrl-C
 * reaches every process of the group, and the tsx CLI SIGKILLs a child that has not
 * acknowledged the signal within 30 ms, which a busy machine easily misses.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { notifierDefaults } from '../alerting/config.js';
import { startDemoConsole } from '../console/demo.js';
import { messageOf } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { holdBackFromScreen, LIBRARY_MODULES, offScreenLines } from '../lib/log-terminal.js';
import { writeStackEnv } from './clickhouse/host-secrets.js';
import { MARKET_REPLAY_MODULE } from './demo/market-replay.js';
import { type DemoProducers, startDemoProducers } from './demo/producers.js';
import { demoRouting } from './demo/routing.js';
import { DEMO_SCHEDULE } from './demo/schedule.js';
import { LiveBlock } from './demo/screen.js';
import { DemoStatus, summaryLines } from './demo/status.js';
import { blockLines, plainLines } from './demo/status-view.js';
import { startDerivativesReplay } from './derivatives-replay.js';
import { type DetectionStack, startDetectionStack } from './detection-stack.js';
import { exitWhenOrphaned } from './parent-watch.js';
import { stackDir } from './pipeline.js';

const wholeNumber =
  (min: number) =>
  (value: string): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}`);
    return v;
  };

interface Options {
  duration: number;
  dir: string;
  keep: boolean;
  seed: number;
  rate: number;
}

/** The live block redraws this often; piped output gets a status every PLAIN_STATUS_INTERVAL_MS. */
const STATUS_INTERVAL_MS = 2_000;
const PLAIN_STATUS_INTERVAL_MS = 10_000;
/** Wider than this, the block's lists wrap anyway: long lines are harder to read. */
const BLOCK_MAX_WIDTH = 130;
const STOPPING = 'while stopping';
/**
 * The derivatives tape's markets the demo plays (the rules test's crafted perpetuals): funding
 * extreme, the liquidation cascade and its control (the same liquidations at a steady price),
 * a whale. Not its BTCUSDT (the recorded sample plays it); few, so the history loads quickly.
 */
const DEMO_TAPE_MARKETS = ['FUNDUSDT', 'LIQUSDT', 'LIQFLATUSDT', 'WHALEUSDT'];
/**
 * The tape ends this long after its history is loaded, just
 * before the rules go in: funding turns extreme at once, the liquidation cascade builds over
 * the next minute. Its markets go on for DEMO_TAPE_TAIL_MS after that, then fall silent
 * (stale-feed alerts on them in a demo left running that long).
 */
const DEMO_TAPE_END_IN_MS = 120_000;
const DEMO_TAPE_TAIL_MS = 3_600_000;
/** Past this the rules go in anyway: a slow load delays every scenario's alert. */
const DEMO_TAPE_HISTORY_TIMEOUT_MS = 120_000;
/** The process's own start: the demo's clock includes tsx and module loading. */
const startedAt = Math.round(performance.timeOrigin);
const out = (line = '') => process.stdout.write(`${line}\n`);
const since = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

async function run(o: Options): Promise<void> {
  const { routing, channels } = demoRouting();
  const dir = resolve(o.dir);
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // On a terminal: short lines for a person, the JSON (and KafkaJS's retries) in demo.log.
  const logFile = join(dir, 'demo.log');
  const log = createLogger('demo', {
    destination: 2,
    level: process.env.LOG_LEVEL ?? 'warn',
    file: logFile,
    offScreen: [...LIBRARY_MODULES, MARKET_REPLAY_MODULE],
  });
  // The ClickHouse host inherits the environment and announces readiness in an info line;
  // a quieter LOG_LEVEL meant for the demo would make its start time out.
  delete process.env.LOG_LEVEL;
  /** Where things listen: printed once as `Name:  address` and kept in the live block. */
  const listening: Array<[string, string]> = [];
  const announce = (name: string, address: string, note = '') => {
    listening.push([name, address]);
    out(`${`${name}:`.padEnd(12)}${address}${note}`);
  };

  // A signal may come at any moment, start-up included: everything started so far is stopped.
  let stopReason: string | undefined;
  let wake: () => void = () => {};
  const stopRequested = new Promise<void>((r) => {
    wake = r;
  });
  const requestStop = (reason: string) => {
    if (stopReason !== undefined) {
      if (reason.startsWith('SIG')) {
        process.stderr.write(`${reason} again: exiting now\n`);
        process.exit(1);
      }
      return;
    }
    stopReason = reason;
    out(`\nStopping (${reason}): producers first, then the notifier, ClickHouse and Kafka…`);
    // A terminal's Ctrl-C stops the broker and ClickHouse at once: what the clients then say
    // is expected, so it goes to the log file only (counted in the closing line).
    holdBackFromScreen(STOPPING);
    wake();
  };
  process.on('SIGINT', () => requestStop('SIGINT'));
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  // npm and make do not pass a SIGTERM on to their child: when the process that ran the
  // demo is gone (or the terminal closed), stop as if asked.
  exitWhenOrphaned(() => requestStop('parent process gone'));
  if (o.duration > 0)
    setTimeout(
      () => requestStop(`--duration ${o.duration} s`),
      startedAt + o.duration * 1000 - Date.now(),
    ).unref();

  out(`Starting Kafka + ClickHouse in ${dir} (${since()})…`);
  let producers: DemoProducers | undefined;
  const starting = startDetectionStack({
    dir,
    database: 'tradewatch',
    routing,
    log,
    service: 'demo',
    notifierPollIntervalMs: notifierDefaults.NOTIFIER_POLL_INTERVAL_MS,
    beforeRules: async (producer, clickhouse) => {
      out(`Loading the derivatives tape's 35 minutes of perpetuals history (${since()})…`);
      const tape = await startDerivativesReplay({
        producer,
        clickhouse,
        log: log.child({ module: MARKET_REPLAY_MODULE }),
        dir,
        endInMs: DEMO_TAPE_END_IN_MS,
        tape: { seed: o.seed, tailMs: DEMO_TAPE_TAIL_MS, symbols: DEMO_TAPE_MARKETS },
        historyTimeoutMs: DEMO_TAPE_HISTORY_TIMEOUT_MS,
      });
      const due = (ms: number) => `+${Math.round((tape.end - ms - startedAt) / 1000)} s`;
      out(
        `Derivatives tape playing live through the Binance and Bybit adapters (${since()}): funding extreme from ${due(120_000)}, liquidation cascade about ${due(52_000)}, whale trade ${due(20_000)}.`,
      );
      return () => tape.stop();
    },
    onTopicsReady: (producer, config) => {
      announce('Kafka', config.KAFKA_BROKERS.join(','));
      announce('ClickHouse', config.CLICKHOUSE_URL, `   (database ${config.CLICKHOUSE_DATABASE})`);
      if (stopReason !== undefined) return async () => {};
      producers = startDemoProducers({ producer, log, seed: o.seed, rate: o.rate, onFailure: requestStop });
      out(
        `Topics ready (${since()}): replaying the market sample in a loop; simulator seed ${o.seed}, ${o.rate} background events/s, planting ${DEMO_SCHEDULE.map((p) => `${p.scenario} +${p.afterMs / 1000} s`).join(', ')}.`,
      );
      out('Migrating ClickHouse and installing the rules meanwhile…');
      const started = producers;
      return () => started.stop();
    },
  });
  const running: DetectionStack | undefined = await starting.catch((err: unknown) => {
    // A Ctrl-C in a terminal reaches the broker and ClickHouse too, so start-up fails: that is the stop asked for.
    if (stopReason === undefined) throw err;
    log.warn({ err }, 'start-up ended by the stop');
    return undefined;
  });
  if (!running) {
    out(`Stopped during start-up after ${since()}; everything it had started is stopped.`);
    return;
  }
  const { stack, clickhouse } = running;
  writeStackEnv(join(dir, 'stack.env'), stack.env);
  out(`Rules installed, notifier relaying to: ${channels.join(', ')} (${since()}).`);
  const web = await startDemoConsole(clickhouse, log);
  announce('Console', web.url, `   sign in as ${web.user} / ${web.password}   (password shown once)`);
  out(`Broker log: ${stack.kafka.logFile}; other terminals: set -a; . ${join(dir, 'stack.env')}; set +a`);
  const live = process.stdout.isTTY ? new LiveBlock(process.stdout, [process.stderr]) : undefined;
  out(
    live
      ? 'Alerts print below as they are delivered, above a live status. Ctrl-C stops everything.\n'
      : `Alerts print below as they are delivered; a status every ${PLAIN_STATUS_INTERVAL_MS / 1000} s. Ctrl-C stops everything.\n`,
  );

  const status = new DemoStatus({ clickhouse, producer: running.producer, startedAt, producers });
  let busy = false;
  live?.start();
  const ticker = setInterval(
    () => {
      if (busy || stopReason !== undefined) return;
      busy = true;
      status
        .read(DEMO_SCHEDULE)
        .then((snapshot) => {
          if (stopReason !== undefined) return;
          if (!live) return out(plainLines(snapshot).join('\n'));
          live.update(
            blockLines(snapshot, {
              listening,
              offScreen: offScreenLines(),
              logFile: relative(process.cwd(), logFile),
              // One column spare: a line that fills the last column wraps on some terminals.
              width: Math.min(BLOCK_MAX_WIDTH, (process.stdout.columns ?? 100) - 1),
            }),
          );
        })
        .catch((err: unknown) => log.warn({ err }, 'status query failed'))
        .finally(() => {
          busy = false;
        });
    },
    live ? STATUS_INTERVAL_MS : PLAIN_STATUS_INTERVAL_MS,
  );

  await stopRequested;
  clearInterval(ticker);
  live?.stop();
  await producers?.stop();
  await web.close();
  const outcomes = await status.finalOutcomes(DEMO_SCHEDULE, 10_000);
  for (const line of summaryLines(outcomes, DEMO_SCHEDULE)) out(line);
  // After a terminal's Ctrl-C the broker and ClickHouse stop by themselves at the same time, so
  // a client may fail to say goodbye; the processes are gone either way (stack.stop waits for them).
  const trouble = await running.stop().then(
    () => undefined,
    (err: unknown) => (stopReason === 'SIGINT' ? messageOf(err) : Promise.reject(err)),
  );
  const held = offScreenLines().get(STOPPING) ?? 0;
  const kept = `${o.keep ? ` Data kept in ${dir}.` : ''}${held > 0 ? ` ${held} log lines while stopping are in ${relative(process.cwd(), logFile)}.` : ''}`;
  out(
    trouble === undefined
      ? `Stopped cleanly after ${since()}.${kept}`
      : `Stopped after ${since()}; every process is gone (a client said while stopping: ${trouble}).${kept}`,
  );
}

new Command('demo')
  .description(
    'the whole platform on one machine: market sample, simulator scenarios, rules, alerts in the terminal',
  )
  .option(
    '--duration <seconds>',
    'stop by itself this long after the start (0: run until Ctrl-C)',
    wholeNumber(0),
    0,
  )
  .option('--dir <path>', 'data directory (emptied first unless --keep)', join(stackDir(), 'demo'))
  .option('--keep', 'keep the data directory from the last run', false)
  .option(
    '--seed <n>',
    'simulator seed: the same seed plants the same scenarios on the same accounts',
    wholeNumber(0),
    7,
  )
  .option('--rate <n>', 'background events per second from the simulator', wholeNumber(1), 100)
  .action(run)
  .parseAsync()
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
