import { Command } from 'commander';
import { runScript } from './run-script.js';

/**
 * `tradewatch demo` and `tradewatch bench`: the demo (stack/demo.ts, `make demo`) and the
 * benchmark suite (bench/run-all.ts, `make bench`) run as they are; their own options pass
 * through untouched (`tradewatch demo --duration 150`, `tradewatch bench --only producer`).
 */
function passThrough(name: string, description: string, script: string): Command {
  return new Command(name)
    .description(`${description} (options: tradewatch ${name} --help)`)
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument('[options...]', `passed to ${script}`)
    .action(async (args: string[]) => {
      await runScript({ what: name, script, args });
    });
}

export const demoCommand = (): Command =>
  passThrough(
    'demo',
    'the whole platform in one terminal: stack, sample, scenarios, alerts',
    'stack/demo.ts',
  );

export const benchCommand = (): Command =>
  passThrough('bench', 'every benchmark beside its baseline, one summary table', 'bench/run-all.ts');
