import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RULE_OF } from '../alerting/scenario-match.js';
import { DEMO_SCHEDULE } from './demo/schedule.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The demo promises every alert within two minutes on an otherwise idle machine; that figure is
 * measured by running `make demo` (README), not asserted here, where other test files share the
 * two cores. This run is long enough that a slow alert shows up late rather than missing.
 */
const DURATION_S = 300;

/** Processes whose command line or environment names `dir`: the demo's broker and ClickHouse host. */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(dir) || environ.includes(dir))
        found.push(`${pid}: ${cmdline.replaceAll('\0', ' ').slice(0, 160)}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

const listening = (host: string, port: number): Promise<boolean> =>
  new Promise((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });

describe('make demo (npm run demo), as a newcomer runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tradewatch-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'alerts on every planted scenario, then stops everything and exits 0',
    async () => {
      const started = Date.now();
      const child = spawn(
        'npm',
        ['run', '--silent', 'demo', '--', '--duration', String(DURATION_S), '--dir', dir],
        {
          cwd: ROOT,
          // A quiet LOG_LEVEL, as a user may set: it must not reach the ClickHouse host's readiness line.
          env: { ...process.env, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const lines: Array<{ at: number; text: string }> = [];
      let partial = '';
      child.stdout.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString('utf8')).split('\n');
        partial = parts.pop() ?? '';
        for (const text of parts) lines.push({ at: (Date.now() - started) / 1000, text });
      });
      const stderr: string[] = [];
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
      const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
      const output = lines.map((l) => l.text).join('\n');
      const context = `stdout:\n${output.slice(-6000)}\nstderr:\n${stderr.join('').slice(-3000)}`;

      expect(code, context).toBe(0);
      const kafka = /^Kafka:\s+127\.0\.0\.1:(\d+)/m.exec(output);
      const clickhouse = /^ClickHouse:\s+http:\/\/127\.0\.0\.1:(\d+)/m.exec(output);
      expect(kafka, context).not.toBeNull();
      expect(clickhouse, context).not.toBeNull();

      // Each scenario's alert reached the terminal through the notifier's console channel, in time.
      // The demo plants its own schedule (the pattern scenarios, not the negative controls).
      const planted = DEMO_SCHEDULE.map((p) => p.scenario);
      for (const scenario of planted) {
        const rule = RULE_OF[scenario];
        const printed = lines.find((l) => l.text.startsWith(`  ▸ ${rule} `));
        expect(printed, `no ${rule} alert printed for ${scenario}\n${context}`).toBeDefined();
        process.stdout.write(
          `demo smoke: ${rule} alert printed ${printed?.at.toFixed(1)} s after the start\n`,
        );
        // The closing summary ties the alert to the planted scenario (its labelled entity).
        expect(output, context).toMatch(
          new RegExp(`^  ${scenario} +planted at [\\d.]+ s, alerted at [\\d.]+ s`, 'm'),
        );
      }
      expect(output).toMatch(`${planted.length} of ${planted.length} scenarios alerted.`);

      // The derivatives tape, replayed through the Binance adapter, shows the perpetuals rules at work.
      expect(output, context).toMatch(
        /^Derivatives tape playing live through the Binance and Bybit adapters/m,
      );
      for (const [rule, market] of [
        ['funding-extreme', 'binance:FUNDUSDT'],
        ['liquidation-cascade', 'binance:LIQUSDT'],
      ] as const) {
        const printed = lines.find((l) => l.text.startsWith(`  ▸ ${rule} `) && l.text.includes(market));
        expect(printed, `no ${rule} alert printed for ${market}\n${context}`).toBeDefined();
        process.stdout.write(
          `demo smoke: ${rule} alert printed ${printed?.at.toFixed(1)} s after the start\n`,
        );
      }
      // Its negative control (the same liquidations at a steady price) stays silent.
      expect(
        lines.some((l) => l.text.includes('binance:LIQFLATUSDT')),
        context,
      ).toBe(false);
      expect(output).toMatch(/^Stopped cleanly after/m);

      // Nothing left behind: no broker JVM or ClickHouse host on the data directory, ports closed.
      expect(processesUsing(dir)).toEqual([]);
      expect(await listening('127.0.0.1', Number(kafka?.[1]))).toBe(false);
      expect(await listening('127.0.0.1', Number(clickhouse?.[1]))).toBe(false);
    },
    (DURATION_S + 330) * 1000,
  );
});
