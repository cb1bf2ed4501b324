import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../stack/kafka/broker.js';
import { isolatedConfig } from '../test/pipeline-fixture.js';
import { createKafka } from './kafka/client.js';
import { createLogger } from './log.js';
import { holdBackFromScreen, offScreenLines } from './log-terminal.js';

const dir = mkdtempSync(join(tmpdir(), 'tradewatch-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A logger in the terminal format, its screen captured, its JSON in a file of its own. */
function terminalLogger(name: string) {
  const screen: string[] = [];
  const file = join(dir, `${name}.log`);
  const log = createLogger(name, {
    format: 'human',
    level: 'debug',
    file,
    destination: { write: (text: string) => screen.push(text) },
  });
  const json = () =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, screen, json };
}

describe('logs on a terminal', () => {
  it('shows one short line per record and keeps every record as JSON in the file', () => {
    const { log, screen, json } = terminalLogger('human');
    log.info({ rows: 3, topic: 'trades' }, 'facts written');
    log.error({ err: new Error('disk full', { cause: new Error('ENOSPC') }) }, 'flush failed');
    log.warn({ password: 'hunter2' }, 'config read');
    expect(screen[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}human: facts written rows=3 topic=trades\n$/);
    expect(screen[1]).toMatch(/^\d\d:\d\d:\d\d ERROR human: flush failed — disk full: ENOSPC\n$/);
    // Redaction happens before either output.
    expect(screen[2]).toContain('password=[redacted]');
    expect(screen.join('')).not.toContain('hunter2');
    expect(json().map((r) => r.msg)).toEqual(['facts written', 'flush failed', 'config read']);
    expect(json()[1]?.err).toMatchObject({ message: 'disk full: ENOSPC', type: 'Error' });
  });

  it("keeps KafkaJS's own retry noise off the screen: in the file, counted", async () => {
    const { log, screen, json } = terminalLogger('retries');
    const before = offScreenLines().get('kafkajs') ?? 0;
    // A real KafkaJS client against a port nobody listens on: its connection errors are the
    // start-up races a demo sees while the broker comes up.
    const port = await freePort();
    const admin = createKafka(
      { ...isolatedConfig(), KAFKA_BROKERS: [`127.0.0.1:${port}`], KAFKA_REQUEST_TIMEOUT_MS: 2_000 },
      log,
      { retries: 1, initialRetryTime: 50 },
    ).admin();
    await expect(admin.connect()).rejects.toThrow();
    log.warn('giving up on the broker');
    const chatter = json().filter((r) => r.module === 'kafkajs');
    expect(chatter.length).toBeGreaterThan(0);
    expect(chatter.some((r) => r.level === 50)).toBe(true);
    expect((offScreenLines().get('kafkajs') ?? 0) - before).toBe(chatter.length);
    expect(screen).toHaveLength(1);
    expect(screen[0]).toMatch(/WARN {2}retries: giving up on the broker\n$/);
  });

  it('stays JSON when the output is not a terminal', () => {
    const lines: string[] = [];
    const log = createLogger('piped', { destination: { write: (t: string) => lines.push(t) } });
    log.info({ rows: 1 }, 'plain');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ service: 'piped', msg: 'plain', rows: 1 });
  });
});

describe('a process stopping after a Ctrl-C', () => {
  it('keeps every later line off the screen, in the file and counted', () => {
    const { log, screen, json } = terminalLogger('stopping');
    log.error('before the stop');
    holdBackFromScreen('while stopping');
    log.error('the broker went away');
    log.warn('shutdown step slow');
    expect(screen).toHaveLength(1);
    expect(json().map((r) => r.msg)).toEqual([
      'before the stop',
      'the broker went away',
      'shutdown step slow',
    ]);
    expect(offScreenLines().get('while stopping')).toBe(2);
  });
});

describe('KafkaJS on Node 24', () => {
  it("drops only KafkaJS's TimeoutNegativeWarning (tulios/kafkajs#1751), not anyone else's", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const { log } = terminalLogger('warning');
      const admin = createKafka(isolatedConfig(), log).admin();
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      expect(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning'))).toEqual([]);
      // Node warns once per process; the same warning from elsewhere still goes through.
      process.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning');
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual(['TimeoutNegativeWarning: -5 is a negative number.']);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
