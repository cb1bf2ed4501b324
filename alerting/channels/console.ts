import { z } from 'zod';
import { terminalSafe } from '../../lib/terminal-text.js';
import { headline, truncate } from './text.js';
import type { ChannelSpec, Notification, SendResult, Transport } from './types.js';

/**
 * A terminal: each notification as a few plain lines on stdout (or stderr), for `make demo`
 * and for operators watching a notifier by hand. It goes through the dispatcher like any
 * channel, so what it prints is in the delivery log too. Every alert line starts with
 * `  ▸ <rule_id> <entity>`, so a script can read the output as well as a person.
 */
export const consoleSchema = z.object({
  type: z.literal('console'),
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
  /** The alert's summary is cut to this many characters (a terminal line or two). */
  summary_chars: z.number().int().min(40).max(2000).default(240),
});

/** The printed text of one notification: a headline, one line per alert, the runbook. */
export function consoleText(n: Notification, summaryChars = 240): string {
  const first = n.alerts[0];
  if (!first) throw new Error('a notification has at least one alert');
  const time = new Date().toISOString().slice(11, 19);
  const lines = [`${time} ${oneLine(headline(n.kind, n.alerts.length, first))}`];
  for (const a of n.alerts) {
    lines.push(
      `  ▸ ${oneLine(a.rule_id)} ${oneLine(a.entity)} (${oneLine(a.alert_id)}, ${oneLine(a.severity)})`,
    );
    lines.push(`    ${truncate(a.summary.replace(/\s+/g, ' '), summaryChars)}`);
  }
  if (n.kind !== 'resolved' && first.runbook)
    lines.push(`    runbook: ${truncate(first.runbook.replace(/\s+/g, ' '), summaryChars)}`);
  // Alert text comes from events and rules: no escape sequence or bidi control reaches the terminal.
  return `${terminalSafe(lines.join('\n'))}\n`;
}

const oneLine = (text: string) => text.replaceAll(/[\r\n]/g, ' ');

function create(config: z.infer<typeof consoleSchema>): Transport {
  const out = config.stream === 'stderr' ? process.stderr : process.stdout;
  const render = (n: Notification) => ({
    body: consoleText(n, config.summary_chars),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
  return {
    type: 'console',
    render,
    send(n, signal): Promise<SendResult> {
      if (signal.aborted) return Promise.resolve({ ok: false, status: 0, retriable: true, error: 'aborted' });
      const { body } = render(n);
      // Resolves once the stream has taken the text: a closed terminal is a retriable failure, not a crash.
      return new Promise((resolve) => {
        out.write(body, (err) =>
          resolve(
            err
              ? { ok: false, status: 0, retriable: true, error: `console write failed: ${err.message}` }
              : { ok: true, status: 0 },
          ),
        );
      });
    },
  };
}

export const consoleChannel: ChannelSpec<typeof consoleSchema> = { schema: consoleSchema, create };
