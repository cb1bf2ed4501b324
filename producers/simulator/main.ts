import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../lib/config/config.js';
import { type ScenarioName, scenarioNames } from '../../lib/contracts/simulation.js';
import { createKafka } from '../../lib/kafka/client.js';
import { EventProducer } from '../../lib/kafka/producer.js';
import { createLogger } from '../../lib/log.js';
import { startTelemetry } from '../../lib/observability/telemetry.js';
import { onShutdown } from '../../lib/service/lifecycle.js';
import { LabelsFile } from './labels.js';
import { SimulationRunner } from './runner.js';
import { scenarios } from './scenarios/index.js';
import { Simulation } from './simulation.js';

const whole = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return n;
};

/** `90s`, `5m`, `1h` or milliseconds. */
function duration(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError('a duration such as 90s, 5m, 1h or a number of milliseconds');
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] as number;
  return Number(match[1]) * unit;
}

function scenarioList(value: string): ScenarioName[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const all = names.includes('all') ? [...scenarioNames] : names;
  for (const name of all) {
    if (!(scenarioNames as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown scenario "${name}"; known: ${scenarioNames.join(', ')}, all`);
    }
  }
  return all as ScenarioName[];
}

const program = new Command('simulate')
  .description('Simulated exchange → engine.*, user.*, social.mentions, with labelled scenarios → sim.labels')
  .option('--seed <n>', 'seed: the same seed gives the same events and labels', whole('--seed', 0), 1)
  .option('--rate <events/s>', 'background events per simulated second', whole('--rate', 1), 200)
  .option('--duration <time>', 'simulated run length (90s, 5m, 1h); omitted = until stopped', duration)
  .option('--scenarios <list>', `comma-separated, or "all": ${scenarioNames.join(', ')}`, scenarioList, [])
  .option('--labels <file>', 'JSON-lines file for ground-truth labels', 'sim-labels.jsonl')
  .option(
    '--full-speed',
    'produce as fast as the broker acknowledges (needs --duration; simulated time ends now)',
  )
  .option(
    '--start <ms>',
    'simulated start, epoch ms (default: now, or now − duration with --full-speed)',
    whole('--start', 0),
  )
  .addHelpText(
    'after',
    `\nScenarios:\n${Object.values(scenarios)
      .map((s) => `  ${s.name.padEnd(18)} ${s.description}`)
      .join('\n')}\n\nWhile running, type a scenario name and Enter to inject it now.`,
  )
  .parse();

const opts = program.opts<{
  seed: number;
  rate: number;
  duration?: number;
  scenarios: ScenarioName[];
  labels: string;
  fullSpeed?: boolean;
  start?: number;
}>();
if (opts.fullSpeed && opts.duration === undefined) program.error('--full-speed needs --duration');

const config = loadConfig();
startTelemetry('simulator');
const log = createLogger('simulator', { level: config.LOG_LEVEL });
const startMs = opts.start ?? (opts.fullSpeed ? Date.now() - (opts.duration as number) : Date.now());
const sim = new Simulation({ seed: opts.seed, startMs, ratePerSecond: opts.rate });
const producer = await EventProducer.connect(createKafka(config, log), config, log);
const runner = new SimulationRunner(sim, producer, log);

// Scenarios on demand: a name typed on stdin starts it at the current simulated instant.
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const name = line.trim();
  if (name === '') return;
  if ((scenarioNames as readonly string[]).includes(name)) {
    sim.inject(name as ScenarioName);
    log.info({ scenario: name }, 'scenario injected');
  } else log.warn({ input: name, known: scenarioNames }, 'unknown scenario');
});

onShutdown(log, async () => {
  runner.stop();
  await finished;
});

log.info(
  {
    seed: opts.seed,
    rate: opts.rate,
    durationMs: opts.duration,
    scenarios: opts.scenarios,
    labels: opts.labels,
    fullSpeed: Boolean(opts.fullSpeed),
  },
  'simulation started',
);
const finished = runner
  .run({
    durationMs: opts.duration,
    scenarios: opts.scenarios,
    fullSpeed: Boolean(opts.fullSpeed),
    labels: new LabelsFile(opts.labels),
  })
  .then(async (report) => {
    log.info(
      {
        events: report.events,
        byTopic: report.byTopic,
        labels: report.labels.length,
        rejected: report.rejected,
        wallMs: report.wallMs,
        eventsPerSecond: Math.round(report.events / (report.wallMs / 1000)),
      },
      'simulation finished',
    );
    input.close();
    await producer.close();
  });
await finished;
process.exit(0);
