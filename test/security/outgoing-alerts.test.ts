import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../alerting/channels/index.js';
import { slackPayload } from '../../alerting/channels/slack.js';
import { telegramText } from '../../alerting/channels/telegram.js';
import { signWebhook, webhookBody } from '../../alerting/channels/webhook.js';
import { type ChatPeers, parseTelegramHtml, startChatPeers } from '../../alerting/testing/chat-peers.js';
import { aNotification, anAlert } from '../../alerting/testing/notifications.js';

/**
 * Alert text is data from the outside world (account labels, symbols, news headlines), so
 * every field an attacker might shape is hostile here — the title and alert id included —
 * and checked in everything a channel sends, not only the blocks people look at first.
 */
const HOSTILE =
  '<!channel> <!here> <!everyone> <@U012AB3CD> <#C024BE91L> <https://evil.example|click> <script>alert(1)</script> " \' & &amp; *b* _i_ `c` ~s~';
const hostile = anAlert({
  title: `Takeover ${HOSTILE}`,
  entity: `acc-${HOSTILE}`,
  summary: HOSTILE,
  evidence: JSON.stringify({ note: HOSTILE }),
  runbook: HOSTILE,
  assignee: HOSTILE,
});
const signal = new AbortController().signal;
const SECRET = 'outgoing-webhook-secret-0123456789';

/** Every string anywhere in a JSON value, with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

describe('outgoing alerts carry hostile text safely', () => {
  let peers: ChatPeers;

  beforeAll(async () => {
    peers = await startChatPeers(SECRET);
  });
  afterAll(() => peers.close());

  it('Slack: no mention, channel link or URL control sequence survives in any mrkdwn field, fallback text included', async () => {
    for (const kind of ['firing', 'resolved', 'repeat'] as const) {
      const n = aNotification([hostile, hostile], kind);
      const transport = createTransport({
        type: 'slack',
        webhook_url: `${peers.slack.url}/services/T0/B0/x`,
        timeout_ms: 3000,
      });
      expect(await transport.send(n, signal)).toEqual({ ok: true, status: 200 });
      const sent = JSON.parse(peers.slack.requests.at(-1)?.body ?? '{}') as unknown;
      expect(sent).toEqual(slackPayload(n));
      const all = new Map(strings(sent));
      // plain_text objects (the header, the button label) are shown as typed, never parsed.
      const plain = [...all].filter(([path, v]) => path.endsWith('.type') && v === 'plain_text');
      expect(plain.length).toBe(2);
      const isPlain = (path: string) => all.get(path.replace(/\.text$/, '.type')) === 'plain_text';
      const fields = [...all].filter(([path]) => !/\.(url|type)$/.test(path) && !isPlain(path));
      expect(fields.length).toBeGreaterThan(3);
      for (const [path, text] of fields) {
        // Slack's control sequences all start with "<": escaped, none can remain.
        expect(text, path).not.toMatch(/<[!@#a-z]/i);
      }
      expect(strings(sent).find(([p]) => p === 'text')?.[1]).toContain('&lt;!channel&gt;');
    }
  });

  it('Telegram: valid HTML with only the markup the channel adds, and the hostile text visible as text', async () => {
    const n = aNotification([hostile]);
    const transport = createTransport({
      type: 'telegram',
      bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      chat_id: -100,
      api_url: peers.telegram.url,
      timeout_ms: 3000,
    });
    expect(await transport.send(n, signal)).toEqual({ ok: true, status: 200 });
    const text = telegramText(n);
    expect(parseTelegramHtml(text).ok).toBe(true);
    const tags = [...text.matchAll(/<\/?([a-z]+)[^>]*>/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(new Set(['b', 'code', 'pre', 'i', 'a']));
    expect([...text.matchAll(/<a /g)]).toHaveLength(1);
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp;amp;');
    // A quote cannot end the href attribute early.
    const link = telegramText({ ...n, dashboardUrl: 'http://grafana.example/d?x=" onclick="x' });
    expect(link).toContain('<a href="http://grafana.example/d?x=&quot; onclick=&quot;x">');
  });

  it('webhook: hostile text arrives byte-for-byte as JSON data, signed over the exact body and timestamp', async () => {
    const n = aNotification([hostile]);
    const transport = createTransport({
      type: 'webhook',
      url: peers.webhook.url,
      secret: SECRET,
      timeout_ms: 3000,
    });
    expect(await transport.send(n, signal)).toEqual({ ok: true, status: 204 });
    const request = peers.webhook.requests.at(-1);
    const body = request?.body ?? '';
    const received = JSON.parse(body) as {
      alerts: { summary: string; title: string; evidence: { note: string } }[];
    };
    expect(received.alerts[0]?.summary).toBe(HOSTILE);
    expect(received.alerts[0]?.title).toBe(`Takeover ${HOSTILE}`);
    expect(received.alerts[0]?.evidence.note).toBe(HOSTILE);
    expect(body).toBe(JSON.stringify(webhookBody(n)));
    const ts = String(request?.headers['x-tradewatch-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    expect(request?.headers['x-tradewatch-signature']).toBe(expected);
    // Any change to the body or the timestamp breaks the signature.
    expect(signWebhook(SECRET, ts, body.replace('Takeover', 'Takeovr'))).not.toBe(expected);
    expect(signWebhook(SECRET, String(Number(ts) + 1), body)).not.toBe(expected);
    // The receiver refuses a message signed with another secret.
    const forged = createTransport({
      type: 'webhook',
      url: peers.webhook.url,
      secret: 'x'.repeat(32),
      timeout_ms: 3000,
    });
    expect(await forged.send(n, signal)).toMatchObject({ ok: false, status: 401, retriable: false });
  });
});
