/**
 * `tradewatch`: one command line for the platform. Each subcommand reuses the module that
 * does the work (stack/, producers/, alerting/, lib/clickhouse); this file only wires them
 * and turns failures into the documented exit codes with a one- or two-line message.
 */
import { Command, CommanderError } from 'commander';
import { tradewatchAlerts } from './alerts.js';
import { consoleCommand } from './console.js';
import { benchCommand, demoCommand } from './demo-bench.js';
import { doctorCommand } from './doctor.js';
import { describeFailure, ExitCode, exitCodesHelp } from './exit-codes.js';
import { migrateCommand } from './migrate.js';
import { notifyCommand } from './notify.js';
import { produceCommand, recordCommand } from './produce.js';
import { rulesCommand } from './rules.js';
import { sqlCommand } from './sql.js';
import { stackCommand } from './stack.js';

const closers: Array<() => Promise<void>> = [];
/** Commander prints its own parse errors; a bad value found later by a command is printed here. */
let commanderPrinted = false;

function buildProgram(): Command {
  const program = new Command('tradewatch')
    .description('Tradewatch: Kafka in, ClickHouse rollups and SQL rules, alerts out')
    .option('--verbose', 'print stack traces with errors (also LOG_LEVEL=debug)')
    .option('--quiet', 'no progress lines on stderr')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Configuration comes from the environment (KAFKA_BROKERS, CLICKHOUSE_URL, CLICKHOUSE_DATABASE, …);
after \`tradewatch stack up\`: set -a; . .stack/stack.env; set +a

${exitCodesHelp}

More: docs/cli.md`,
    );
  program.addCommand(stackCommand());
  program.addCommand(migrateCommand());
  program.addCommand(produceCommand());
  program.addCommand(recordCommand());
  program.addCommand(notifyCommand());
  program.addCommand(sqlCommand());
  program.addCommand(tradewatchAlerts((close) => closers.push(close)));
  program.addCommand(consoleCommand((close) => closers.push(close)));
  program.addCommand(rulesCommand((close) => closers.push(close)));
  program.addCommand(doctorCommand());
  program.addCommand(demoCommand());
  program.addCommand(benchCommand());
  // Throw instead of exiting, on every level, so usage errors reach one handler (exit 2).
  const everywhere = (cmd: Command) => {
    cmd
      .exitOverride()
      .showHelpAfterError('(add --help for usage)')
      .configureOutput({
        outputError: (text, write) => {
          commanderPrinted = true;
          write(text);
        },
      });
    for (const sub of cmd.commands) everywhere(sub);
  };
  everywhere(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return ExitCode.OK;
      if (!commanderPrinted) process.stderr.write(`tradewatch: ${err.message}\n(add --help for usage)\n`);
      return ExitCode.USAGE;
    }
    const { exitCode, message } = describeFailure(err);
    const verbose =
      argv.includes('--verbose') || process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
    process.stderr.write(`tradewatch: ${message}\n`);
    if (verbose && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCode;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

process.exit(await main(process.argv));
