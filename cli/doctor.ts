import { Command } from 'commander';
import {
  type CheckResult,
  checkBroker,
  checkChannels,
  checkClickHouse,
  checkConfig,
  checkJava,
  checkKafkaJars,
  checkMigrations,
  checkPorts,
} from './doctor-checks.js';
import { CliError, ExitCode } from './exit-codes.js';

const line = (r: CheckResult): string =>
  `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(15)} ${r.detail}${r.fix ? `\n      ${' '.repeat(15)} fix: ${r.fix}` : ''}\n`;

async function doctor(): Promise<void> {
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    process.stdout.write(line(r));
  };
  const { result, config } = checkConfig(process.env);
  report(result);
  report(checkJava());
  report(checkKafkaJars());
  if (config) {
    const broker = await checkBroker(config);
    const clickhouse = await checkClickHouse(config);
    report(await checkPorts(config, { kafka: broker.ok, clickhouse: clickhouse.ok }));
    report(broker);
    report(clickhouse);
    if (clickhouse.ok) report(await checkMigrations(config));
    else
      report({
        name: 'migrations',
        ok: false,
        detail: 'not checked: ClickHouse is not answering',
        fix: 'fix ClickHouse first (see above)',
      });
  }
  report(checkChannels(process.env));
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) throw new CliError(ExitCode.FAILED, `doctor: ${failed} of ${results.length} checks failed`);
  process.stdout.write(`doctor: all ${results.length} checks passed\n`);
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check Java, the Kafka jars, ports, the broker, ClickHouse, migrations and the alert channel config; prints each with ok/FAIL and the fix (exit 1 if any fails)',
    )
    .action(doctor);
}
