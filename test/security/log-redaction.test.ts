import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';

/** A logger whose lines are kept, exactly as they would be written. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('redaction-test', { level: 'debug', destination: stream }), lines };
}

describe('log redaction (lib/log.ts)', () => {
  it('replaces credentials in request headers, query keys and config objects', () => {
    const { log, lines } = capturedLogger();
    log.debug(
      {
        req: {
          method: 'POST',
          headers: {
            authorization: 'Bearer tw_sk_leaky',
            'x-api-key': 'tw_pk_leaky',
            'x-tradewatch-signature': 'v1=abcdef',
            cookie: 'session=leaky',
          },
          query: { key: 'tw_pk_query_leaky' },
        },
        channel: {
          type: 'telegram',
          bot_token: '123:leaky',
          webhook_url: 'https://hooks.slack.com/services/leaky',
        },
        hook: { secret: 'whsec_leaky' },
        config: { CLICKHOUSE_PASSWORD: 'chpw_leaky', CLICKHOUSE_USER: 'notifier' },
        password: 'pw_leaky',
      },
      'request in',
    );
    const text = lines.join('');
    expect(text).not.toContain('leaky');
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry.req.headers.authorization).toBe('[redacted]');
    expect(entry.req.method).toBe('POST');
    expect(entry.channel.type).toBe('telegram');
    expect(entry.config.CLICKHOUSE_USER).toBe('notifier');
    expect(entry.msg).toBe('request in');
  });

  it('cuts the token out of a Telegram bot URL in messages and error texts', () => {
    const { log, lines } = capturedLogger();
    const url = 'https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage';
    log.warn(`POST ${url} failed`);
    log.error({ err: new Error(`fetch failed for ${url}`) }, 'delivery failed');
    const text = lines.join('');
    expect(text).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    expect(text).toContain('https://api.telegram.org/bot[redacted]/sendMessage');
    expect(lines).toHaveLength(2);
  });
});
