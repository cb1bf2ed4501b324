import { Command, InvalidArgumentError } from 'commander';

/**
 * The numeric flags the benchmarks take, each worded once: a flag means the same in every
 * benchmark that has it (`--seconds` is always real-time seconds of load).
 */
const FLAG_HELP: Readonly<Record<string, string>> = {
  events: 'events per measured pass',
  call: 'events per produce() call (per sendBatch for a raw client)',
  concurrency: 'calls in flight',
  rounds: 'rounds, each one pass of every variant compared (medians are kept)',
  seconds: 'real-time seconds of load (planted scenarios are spread over them)',
  plants: 'times each scenario is planted',
  seed: 'simulator seed',
  rate: 'background events per second',
  simRate: 'simulator background events per second',
  replaySpeed: 'market replay speed (1 = as recorded)',
  collectorConcurrency: 'HTTP requests in flight to the collector',
};

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const finite = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${flag} takes a number, got "${value}"`);
  return n;
};

/**
 * A benchmark's command line, parsed and checked once: each key of `defaults` is a numeric
 * flag of FLAG_HELP (camelCase key, kebab-case flag: `simRate` is `--sim-rate <n>`) with its
 * default, and comes back as a number; a value that is not one stops the run naming the
 * flag. `more` declares flags of other kinds, whose values come back in `other`.
 */
export function benchOptions<const D extends Record<string, number>>(
  name: string,
  description: string,
  defaults: D,
  more: (command: Command) => Command = (c) => c,
): { readonly [K in keyof D]: number } & { readonly other: Readonly<Record<string, string | undefined>> } {
  const command = new Command(name).description(description);
  for (const [key, value] of Object.entries(defaults)) {
    const text = FLAG_HELP[key];
    if (text === undefined) throw new Error(`${name}: ${flagOf(key)} is not in FLAG_HELP (bench/cli.ts)`);
    command.option(`${flagOf(key)} <n>`, text, finite(flagOf(key)), value);
  }
  const parsed = more(command).parse().opts<Record<string, number | string | undefined>>();
  const numbers = Object.fromEntries(Object.keys(defaults).map((key) => [key, parsed[key] as number]));
  const other = Object.fromEntries(
    Object.entries(parsed).flatMap(([key, value]) => (key in defaults ? [] : [[key, value as string]])),
  );
  return { ...(numbers as { [K in keyof D]: number }), other };
}

/** Runs a benchmark's `main`; a failure prints its stack and exits 1 (a benchmark is a script). */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `${name} bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
