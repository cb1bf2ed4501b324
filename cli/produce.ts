import { statSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../lib/config/config.js';
import { topics } from '../lib/contracts/topics.js';
import { createKafka } from '../lib/kafka/client.js';
import { createLogger } from '../lib/log.js';
import { venues } from '../producers/market/venues/index.js';
import { envFromFlags, runScript } from './run-script.js';
import { cliConfig, requireBroker } from './services.js';

/**
 * `tradewatch produce <venue>|simulator|replay FILE` and `tradewatch record`: the existing
 * producers (producers/market/main.ts, producers/simulator/main.ts), run as they are, with
 * their arguments checked here first (a bad value is exit 2) and progress on stderr.
 * Progress is what Kafka holds, not what the producer believes it sent: the sum of the
 * end offsets of the family's topics.
 */

const positive =
  (what: string) =>
  (value: string): string => {
    if (!(Number(value) > 0)) throw new InvalidArgumentError(`${what} must be a number > 0`);
    return value;
  };
const wholeNumber = (value: string): string => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number ≥ 0');
  return value;
};
const simDuration = (value: string): string => {
  if (!/^\d+(ms|s|m|h)?$/.test(value)) throw new InvalidArgumentError('a duration such as 90s, 5m, 1h');
  return value;
};
const speed = (value: string): string => {
  if (value !== 'max' && !(Number(value.replace(/x$/, '')) > 0))
    throw new InvalidArgumentError('a positive number (1, 10, 0.5) or "max"');
  return value;
};
const symbols = (value: string): string => {
  if (!/^[A-Z0-9]{2,30}(,[A-Z0-9]{2,30})*$/.test(value))
    throw new InvalidArgumentError('comma-separated upper-case symbols such as BTCUSDT,ETHUSDT');
  return value;
};

const topicNames = (config: Config, family: (name: string) => boolean): string[] =>
  Object.values(topics)
    .map((t) => t.name)
    .filter(family)
    .map((name) => `${config.KAFKA_TOPIC_PREFIX}${name}`);

/** Events Kafka holds in `names`: the sum of every partition's end offset. */
function kafkaTotal(config: Config, names: string[]) {
  const admin = createKafka(config, createLogger('tradewatch', { destination: 2, level: 'error' }), {
    retries: 0,
  }).admin();
  let connected: Promise<void> | undefined;
  return {
    read: async () => {
      connected ??= admin.connect();
      await connected;
      let total = 0;
      for (const name of names) for (const p of await admin.fetchTopicOffsets(name)) total += Number(p.high);
      return total;
    },
    close: () => admin.disconnect(),
  };
}

async function produceWith(
  what: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  family: (name: string) => boolean,
  quiet: boolean,
): Promise<void> {
  const config = cliConfig();
  await requireBroker(config);
  const counter = kafkaTotal(config, topicNames(config, family));
  try {
    await runScript({
      what,
      script,
      args,
      env,
      progress: { unit: 'events in Kafka', read: counter.read, quiet },
    });
  } finally {
    await counter.close();
  }
}

const isMarket = (name: string) => name.startsWith('market.');
const isSimulated = (name: string) => !name.startsWith('market.');
const quietOf = (cmd: Command): boolean => Boolean(cmd.optsWithGlobals().quiet);

export function produceCommand(): Command {
  const produce = new Command('produce').description(
    'push events into Kafka: a live venue, the simulator, or a replayed recording',
  );
  for (const id of Object.keys(venues)) {
    produce
      .command(id)
      .description(`live ${id} market data → market.* topics (producers/market, until Ctrl-C)`)
      .option('--symbols <list>', 'symbols to follow (MARKET_SYMBOLS)', symbols)
      .option('--record <file>', 'also record the raw venue traffic to this .jsonl.gz file')
      .action(async (o: { symbols?: string; record?: string }, cmd: Command) =>
        produceWith(
          `${id} feed`,
          'producers/market/main.ts',
          ['run', ...(o.record ? ['--record', o.record] : [])],
          { MARKET_VENUES: id, ...(o.symbols ? { MARKET_SYMBOLS: o.symbols } : {}) },
          isMarket,
          quietOf(cmd),
        ),
      );
  }
  produce
    .command('simulator')
    .description('the seeded exchange simulator → engine.*, user.*, social.mentions, listings, sim.labels')
    .option('--seed <n>', 'the same seed gives the same events and labels', wholeNumber)
    .option('--rate <events/s>', 'background events per simulated second', positive('--rate'))
    .option('--duration <time>', 'simulated run length (90s, 5m, 1h); omitted: until Ctrl-C', simDuration)
    .option(
      '--scenarios <list>',
      'comma-separated scenario names, or "all" (see `npm run simulate -- --help`)',
    )
    .option('--labels <file>', 'JSON-lines file for ground-truth labels')
    .option('--full-speed', 'as fast as the broker acknowledges (needs --duration)')
    .action(
      async (
        o: {
          seed?: string;
          rate?: string;
          duration?: string;
          scenarios?: string;
          labels?: string;
          fullSpeed?: boolean;
        },
        cmd: Command,
      ) => {
        if (o.fullSpeed && !o.duration) throw new InvalidArgumentError('--full-speed needs --duration');
        const args = Object.entries({
          seed: o.seed,
          rate: o.rate,
          duration: o.duration,
          scenarios: o.scenarios,
          labels: o.labels,
        })
          .filter(([, v]) => v !== undefined)
          .flatMap(([k, v]) => [`--${k}`, v as string]);
        if (o.fullSpeed) args.push('--full-speed');
        await produceWith('simulator', 'producers/simulator/main.ts', args, {}, isSimulated, quietOf(cmd));
      },
    );
  produce
    .command('replay')
    .description('play a market recording into Kafka through the venue adapters')
    .argument('<file>', 'a .jsonl.gz recording (tradewatch record, or producers/market/samples/)')
    .option(
      '--speed <speed>',
      '1 = as recorded, 10 = ten times faster, max = as fast as Kafka takes it',
      speed,
      '1',
    )
    .option('--no-rebase', 'keep the recorded timestamps instead of shifting them to now')
    .action(async (file: string, o: { speed: string; rebase: boolean }, cmd: Command) => {
      try {
        statSync(file);
      } catch {
        throw new InvalidArgumentError(`recording ${file} does not exist`);
      }
      await produceWith(
        'replay',
        'producers/market/main.ts',
        ['replay', file, '--speed', o.speed, ...(o.rebase ? [] : ['--no-rebase'])],
        {},
        isMarket,
        quietOf(cmd),
      );
    });
  return produce;
}

export function recordCommand(): Command {
  return new Command('record')
    .description('record raw venue traffic to a compressed file (no Kafka needed), for `produce replay`')
    .requiredOption('--out <file>', 'where to write the .jsonl.gz recording')
    .addOption(
      new Option('--venue <id>', 'only this venue (default: MARKET_VENUES, both)').choices(
        Object.keys(venues),
      ),
    )
    .option('--symbols <list>', 'symbols to record (MARKET_SYMBOLS)', symbols)
    .option(
      '--duration-s <seconds>',
      'stop after this many seconds (default: Ctrl-C)',
      positive('--duration-s'),
    )
    .action(
      async (o: { out: string; venue?: string; symbols?: string; durationS?: string }, cmd: Command) => {
        const size = () => {
          try {
            return statSync(o.out).size;
          } catch {
            return 0;
          }
        };
        await runScript({
          what: 'recording',
          script: 'producers/market/main.ts',
          args: ['record', '--out', o.out, ...(o.durationS ? ['--duration-s', o.durationS] : [])],
          env: envFromFlags(o, { venue: 'MARKET_VENUES', symbols: 'MARKET_SYMBOLS' }),
          progress: { unit: 'compressed bytes', read: size, quiet: quietOf(cmd) },
        });
      },
    );
}
