import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatPeers, parseTelegramHtml, startChatPeers } from '../testing/chat-peers.js';
import { aNotification, anAlert } from '../testing/notifications.js';
import { createTransport } from './index.js';
import { SLACK_LIMITS, slackPayload } from './slack.js';
import { telegramText } from './telegram.js';

const HOSTILE =
  '<script>alert(1)</script> & *bold* _it_ `code` ``` [x](http://evil) <@U123> <!channel> ~s~ >q #h +-=|{}.! \\';

const hostileAlert = anAlert({
  entity: `acc-${HOSTILE}`,
  summary: HOSTILE.repeat(50),
  evidence: JSON.stringify({ rows: Array.from({ length: 3000 }, (_, i) => ({ i, text: HOSTILE })) }),
  runbook: HOSTILE.repeat(100),
});

describe('chat transports against loopback Slack, Telegram and webhook peers', () => {
  let peers: ChatPeers;
  // Generous: a loopback answer can take seconds on a loaded machine; the slow peer waits twice as long.
  const SEND_TIMEOUT_MS = 5_000;
  const secret = 'a-shared-secret-of-some-length';
  const signal = new AbortController().signal;

  beforeAll(async () => {
    peers = await startChatPeers(secret);
  });
  afterAll(() => peers.close());

  const slackT = () =>
    createTransport({
      type: 'slack',
      webhook_url: `${peers.slack.url}/services/T0/B0/x`,
      timeout_ms: SEND_TIMEOUT_MS,
    });
  const telegramT = () =>
    createTransport({
      type: 'telegram',
      bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      chat_id: -100,
      api_url: peers.telegram.url,
      timeout_ms: SEND_TIMEOUT_MS,
    });

  it('hostile text reaches Slack escaped and within Block Kit limits, even grouped', async () => {
    for (const n of [
      aNotification([hostileAlert]),
      aNotification(Array.from({ length: 20 }, () => hostileAlert)),
    ]) {
      expect(await slackT().send(n, signal)).toEqual({ ok: true, status: 200 });
      const payload = slackPayload(n) as { blocks: { text?: { text: string } }[] };
      expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      const texts = payload.blocks.flatMap((b) => (b.text ? [b.text.text] : []));
      // No raw control characters: links and mentions cannot be smuggled in.
      for (const t of texts.slice(1)) expect(t).not.toMatch(/<[@!a-z]/);
      expect(texts.join()).toContain('&lt;script&gt;');
    }
  });

  it('hostile text reaches Telegram as valid HTML within 4096 characters', async () => {
    for (const n of [
      aNotification([hostileAlert]),
      aNotification(Array.from({ length: 12 }, () => hostileAlert)),
    ]) {
      expect(await telegramT().send(n, signal)).toEqual({ ok: true, status: 200 });
      const text = telegramText(n);
      const parsed = parseTelegramHtml(text);
      expect(parsed.ok).toBe(true);
      expect(text.length).toBeLessThanOrEqual(4096);
    }
    const sent = peers.telegram.delivered().at(-1) as { text: string; parse_mode: string };
    expect(sent.parse_mode).toBe('HTML');
    expect(sent.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold*');
  });

  it('a 429 is retriable after the time the peer asked for (Retry-After, retry_after)', async () => {
    peers.slack.script('rate-limit:7');
    peers.telegram.script('rate-limit:3');
    expect(await slackT().send(aNotification([anAlert()]), signal)).toMatchObject({
      ok: false,
      status: 429,
      retriable: true,
      retryAfterMs: 7000,
    });
    expect(await telegramT().send(aNotification([anAlert()]), signal)).toMatchObject({
      ok: false,
      status: 429,
      retriable: true,
      retryAfterMs: 3000,
    });
  });

  it('500, slow and malformed answers are retriable; a refused payload is not; raw bodies are not echoed', async () => {
    peers.slack.script('error', `slow:${SEND_TIMEOUT_MS * 2}`);
    const t = slackT();
    expect(await t.send(aNotification([anAlert()]), signal)).toMatchObject({
      ok: false,
      status: 500,
      retriable: true,
      error: 'slack 500 unexpected response',
    });
    expect(await t.send(aNotification([anAlert()]), signal)).toMatchObject({
      ok: false,
      status: 0,
      retriable: true,
      error: 'timed out',
    });
    // Telegram answers JSON: a 200 with a proxy's HTML page is not a confirmed send.
    peers.telegram.script('malformed');
    const r = await telegramT().send(aNotification([anAlert()]), signal);
    expect(r).toMatchObject({ ok: false, retriable: true });
    expect(JSON.stringify(r)).not.toContain('html');
    // A Telegram refusal (bad request) is final and named without the peer's body beyond a short reason.
    const refused = await createTransport({
      type: 'telegram',
      bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      chat_id: -100,
      api_url: `${peers.telegram.url}/nope`,
      timeout_ms: SEND_TIMEOUT_MS,
    }).send(aNotification([anAlert()]), signal);
    expect(refused).toMatchObject({ ok: false, status: 404, retriable: false });
  });

  it('the webhook is signed with HMAC-SHA256 and carries an idempotency key and delivery ids', async () => {
    const good = createTransport({
      type: 'webhook',
      url: peers.webhook.url,
      secret,
      timeout_ms: SEND_TIMEOUT_MS,
    });
    expect(await good.send(aNotification([anAlert()]), signal)).toEqual({ ok: true, status: 204 });
    const last = peers.webhook.requests.at(-1);
    expect(last?.headers['idempotency-key']).toBe('m'.repeat(64));
    expect(
      (JSON.parse(last?.body ?? '{}') as { alerts: { delivery_id: string }[] }).alerts[0]?.delivery_id,
    ).toHaveLength(64);
    const forged = createTransport({
      type: 'webhook',
      url: peers.webhook.url,
      secret: 'not-the-shared-secret!!',
      timeout_ms: SEND_TIMEOUT_MS,
    });
    expect(await forged.send(aNotification([anAlert()]), signal)).toMatchObject({
      ok: false,
      status: 401,
      retriable: false,
    });
  });
});
