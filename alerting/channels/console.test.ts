import { afterEach, describe, expect, it, vi } from 'vitest';
import { aNotification, anAlert } from '../testing/notifications.js';
import { consoleText } from './console.js';
import { createTransport } from './index.js';
import type { AlertView } from './types.js';

const spoofing = (o: Partial<AlertView> = {}): AlertView =>
  anAlert({
    alert_id: 'spoofing-0123456789ab',
    rule_id: 'spoofing',
    severity: 'high',
    title: 'Spoofing: large orders cancelled before they could fill',
    summary: '7 large orders on BTCUSDT cancelled within 5 s\nwhile the account bought on the other side',
    runbook: 'Review the account’s order flow.',
    ...o,
  });

describe('console channel', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints a headline, one line per alert starting with its rule and entity, and the runbook', () => {
    const text = consoleText(
      aNotification([spoofing(), spoofing({ entity: 'acc-00043', alert_id: 'spoofing-b' })]),
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d 🟠 HIGH: 2 × Spoofing: large orders cancelled/);
    expect(lines.filter((l) => l.startsWith('  ▸ spoofing '))).toEqual([
      '  ▸ spoofing acc-00042 (spoofing-0123456789ab, high)',
      '  ▸ spoofing acc-00043 (spoofing-b, high)',
    ]);
    // A summary with line breaks stays on its own line: the alert lines remain readable by scripts.
    expect(lines[2]).toBe(
      '    7 large orders on BTCUSDT cancelled within 5 s while the account bought on the other side',
    );
    expect(lines.at(-1)).toBe('    runbook: Review the account’s order flow.');
  });

  it('cuts long summaries and leaves the runbook out of a resolved message', () => {
    const text = consoleText(aNotification([spoofing({ summary: 'x'.repeat(1000) })], 'resolved'), 50);
    expect(text).toMatch(/^\d\d:\d\d:\d\d ✅ RESOLVED: Spoofing/);
    expect(text).toContain(`    ${'x'.repeat(49)}…\n`);
    expect(text).not.toContain('runbook');
  });

  it('is a registered channel type whose send writes the rendered text to the chosen stream', async () => {
    const transport = createTransport({ type: 'console', stream: 'stderr' });
    expect(transport.type).toBe('console');
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string, cb?: (err?: Error) => void) => {
      written.push(chunk);
      cb?.();
      return true;
    }) as typeof process.stderr.write);
    const notification = aNotification([spoofing()]);
    const result = await transport.send(notification, new AbortController().signal);
    expect(result).toEqual({ ok: true, status: 0 });
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('  ▸ spoofing acc-00042 (spoofing-0123456789ab, high)');
    expect(transport.render(notification).body.split('\n').slice(1)).toEqual(
      written[0]?.split('\n').slice(1),
    );
  });
});
