import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveBlock } from './screen.js';
import type { StatusSnapshot } from './status.js';
import { blockLines, plainLines } from './status-view.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequence LiveBlock writes.
const ERASE = /\x1b\[(\d+)F\x1b\[J/;

/**
 * A terminal of lines: applies the two control sequences LiveBlock uses (cursor up n lines
 * to column 1, clear to the end of the screen) so the test sees what a person would.
 */
class TerminalLines extends Writable {
  readonly isTTY = true;
  readonly columns = 80;
  rows: string[] = [''];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    let text = chunk.toString('utf8');
    for (;;) {
      const m = ERASE.exec(text);
      this.#print(m ? text.slice(0, m.index) : text);
      if (!m) break;
      // Up n rows from the current (empty) one, drop them and everything below.
      this.rows.splice(this.rows.length - 1 - Number(m[1]));
      this.rows.push('');
      text = text.slice(m.index + m[0].length);
    }
    done();
  }
  #print(text: string): void {
    const parts = text.split('\n');
    this.rows[this.rows.length - 1] += parts[0] ?? '';
    this.rows.push(...parts.slice(1));
  }
}

const snapshot = (over: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  elapsedMs: 95_000,
  rates: new Map([
    ['market.trades', 69.4],
    ['engine.orders', 100],
  ]),
  rows: new Map([
    ['market.trades', 16_457],
    ['engine.orders', 18_525],
    ['user.logins', 948],
  ]),
  deadLetters: 2,
  alerts: [
    { rule: 'spoofing', count: 1 },
    { rule: 'stale-feed', count: 4 },
  ],
  outcomes: [
    {
      scenario: 'negative-buzz',
      plantedAtMs: 70_000,
      alert: { rule: 'negative-buzz', entity: 'PEPE', atMs: 89_000 },
    },
    { scenario: 'spoofing', plantedAtMs: 90_000 },
  ],
  planned: 5,
  ...over,
});

describe('the demo on a terminal', () => {
  it('keeps one status block at the bottom, redrawn in place, with other output above it', () => {
    const term = new TerminalLines();
    const other = new TerminalLines();
    const block = new LiveBlock(term as unknown as NodeJS.WriteStream);
    block.start();
    block.update(['status 1', 'second line']);
    term.write('alert A\n');
    block.update(['status 2', 'second line']);
    term.write('alert B\n  ▸ rule entity\n');
    block.update(['status 3']);
    block.stop();
    term.write('summary\n');
    expect(term.rows).toEqual(['alert A', 'alert B', '  ▸ rule entity', 'status 3', 'summary', '']);
    expect(other.rows).toEqual(['']);
  });

  it('cuts block lines to the terminal width, so each is one row', () => {
    const term = new TerminalLines();
    const block = new LiveBlock(term as unknown as NodeJS.WriteStream);
    block.start();
    block.update(['x'.repeat(200)]);
    block.stop();
    expect(term.rows[0]).toHaveLength(79);
    expect(term.rows[0]?.endsWith('…')).toBe(true);
  });

  it('shows topics, dead letters, alerts per rule, scenarios, addresses and what the log holds', () => {
    const lines = blockLines(snapshot(), {
      listening: [['Kafka', '127.0.0.1:9092']],
      offScreen: new Map([['kafkajs', 14]]),
      logFile: '.stack/demo/demo.log',
      width: 120,
    });
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^━━ Tradewatch demo · running 1 min 35 s/);
    expect(text).toMatch(/^ engine\.orders +100 +18,525$/m);
    expect(text).toMatch(/^ user\.logins +0 +948$/m);
    expect(text).toMatch(/^ dead letters +2$/m);
    expect(text).toMatch(/^ alerts per rule +spoofing 1 · stale-feed 4$/m);
    expect(text).toMatch(
      /^ scenarios alerted +1 of 5 · ✓ negative-buzz 1 min 29 s · … spoofing \(planted 1 min 30 s\)$/m,
    );
    expect(text).toMatch(/^ listening +Kafka 127\.0\.0\.1:9092$/m);
    expect(text).toMatch(/^ not shown, in log +\.stack\/demo\/demo\.log · kafkajs 14 lines$/m);
  });

  it('wraps a long list onto more lines instead of past the edge', () => {
    const alerts = Array.from({ length: 12 }, (_, i) => ({ rule: `rule-number-${i}`, count: i }));
    const lines = blockLines(snapshot({ alerts }), {
      listening: [],
      offScreen: new Map(),
      logFile: 'demo.log',
      width: 80,
    });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const text = lines.join('\n');
    for (const a of alerts) expect(text).toContain(`${a.rule} ${a.count}`);
  });

  it('prints three plain lines when the output is not a terminal', () => {
    const lines = plainLines(snapshot());
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('[  95 s] events/s acknowledged by Kafka: engine.orders 100 · market.trades 69');
    expect(lines[2]).toContain('scenarios alerted 1/2 planted of 5');
  });
});
