import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real HTTP servers on 127.0.0.1 that answer as Slack incoming webhooks, the Telegram Bot
 * API and a signature-checking webhook receiver do, for the notifier's tests. Each request
 * is answered by the next scripted behaviour (then by the default):
 *   'ok' · 'rate-limit:<s>' (429 + Retry-After / retry_after) · 'error' (500) ·
 *   'slow:<ms>' (answer after a delay) · 'malformed' (200 with a body that is not the API's) ·
 *   'down' (503, the default while `outage` is on)
 * A message counts as delivered only when a success answer was written to a client still
 * connected: a notifier killed mid-request did not get its answer, and neither did Slack
 * count it here (see docs/alerting.md for what a real peer might do).
 */
export type Behaviour = 'ok' | 'error' | 'malformed' | 'down' | `rate-limit:${number}` | `slow:${number}`;

export interface ReceivedRequest {
  at: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
  delivered: boolean;
}

export interface ChatPeer {
  url: string;
  requests: ReceivedRequest[];
  /** Bodies of messages answered with success to a connected client. */
  delivered(): unknown[];
  script(...behaviours: Behaviour[]): void;
  outage: boolean;
  close(): Promise<void>;
}

type Validator = (
  body: string,
  req: IncomingMessage,
) => { status: number; reply: string; headers?: Record<string, string> } | undefined;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startPeer(flavour: {
  ok: () => { status: number; reply: string; headers?: Record<string, string> };
  rateLimited: (s: number) => { status: number; reply: string; headers: Record<string, string> };
  malformed: string;
  validate: Validator;
}): Promise<ChatPeer> {
  const queue: Behaviour[] = [];
  const requests: ReceivedRequest[] = [];
  const peer = { outage: false } as ChatPeer;
  const answer = (
    res: ServerResponse,
    rec: ReceivedRequest,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    rec.status = status;
    if (res.destroyed || res.socket?.destroyed) return;
    res.writeHead(status, {
      'content-type': body.startsWith('{') ? 'application/json' : 'text/plain',
      ...headers,
    });
    res.end(body);
    rec.delivered = status >= 200 && status < 300 && body !== flavour.malformed;
  };
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const rec: ReceivedRequest = {
        at: Date.now(),
        path: req.url ?? '/',
        headers: req.headers,
        body,
        status: 0,
        delivered: false,
      };
      requests.push(rec);
      const behaviour: Behaviour = peer.outage ? 'down' : (queue.shift() ?? 'ok');
      if (behaviour.startsWith('slow:')) {
        await new Promise((r) => setTimeout(r, Number(behaviour.slice(5))));
      }
      if (behaviour === 'down') return answer(res, rec, 503, 'service unavailable');
      if (behaviour === 'error') return answer(res, rec, 500, 'internal error');
      if (behaviour === 'malformed') return answer(res, rec, 200, flavour.malformed);
      if (behaviour.startsWith('rate-limit:')) {
        const r = flavour.rateLimited(Number(behaviour.slice(11)));
        return answer(res, rec, r.status, r.reply, r.headers);
      }
      const invalid = flavour.validate(body, req);
      if (invalid) return answer(res, rec, invalid.status, invalid.reply, invalid.headers);
      const ok = flavour.ok();
      return answer(res, rec, ok.status, ok.reply, ok.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(peer, {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered: () => requests.filter((r) => r.delivered).map((r) => JSON.parse(r.body) as unknown),
    script: (...b: Behaviour[]) => void queue.push(...b),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

/** Slack: 200 "ok"; 400 invalid_payload / invalid_blocks when Block Kit limits are broken; 429 + Retry-After. */
export function startSlackPeer(): Promise<ChatPeer> {
  return startPeer({
    ok: () => ({ status: 200, reply: 'ok' }),
    rateLimited: (s) => ({ status: 429, reply: 'rate_limited', headers: { 'retry-after': String(s) } }),
    malformed: '<html>upstream proxy error</html>',
    validate: (body) => {
      let payload: {
        text?: unknown;
        blocks?: { type: string; text?: { text: string }; elements?: { text?: string }[] }[];
      };
      try {
        payload = JSON.parse(body);
      } catch {
        return { status: 400, reply: 'invalid_payload' };
      }
      if (typeof payload.text !== 'string' && !Array.isArray(payload.blocks))
        return { status: 400, reply: 'no_text' };
      const blocks = payload.blocks ?? [];
      if (blocks.length > 50) return { status: 400, reply: 'invalid_blocks' };
      for (const b of blocks) {
        const limit = b.type === 'header' ? 150 : 3000;
        if (b.text && b.text.text.length > limit) return { status: 400, reply: 'invalid_blocks' };
        for (const e of b.elements ?? [])
          if ((e.text?.length ?? 0) > 2000) return { status: 400, reply: 'invalid_blocks' };
      }
      return undefined;
    },
  });
}

const TELEGRAM_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'code',
  'pre',
  'a',
  'tg-spoiler',
  'blockquote',
]);

/** Checks HTML as Telegram does: known tags, balanced, no bare < or &; returns the visible text. */
export function parseTelegramHtml(
  text: string,
): { ok: true; visible: string } | { ok: false; reason: string } {
  const stack: string[] = [];
  let visible = '';
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (ch === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) return { ok: false, reason: `unclosed start tag at byte offset ${i}` };
      const tag = text.slice(i + 1, end);
      const closing = tag.startsWith('/');
      const name = (closing ? tag.slice(1) : tag).split(/\s/)[0]?.toLowerCase() ?? '';
      if (!TELEGRAM_TAGS.has(name))
        return { ok: false, reason: `unsupported start tag "${name}" at byte offset ${i}` };
      if (closing) {
        if (stack.pop() !== name) return { ok: false, reason: `unmatched end tag "${name}"` };
      } else stack.push(name);
      i = end + 1;
    } else if (ch === '&') {
      const m = /^&(amp|lt|gt|quot|#\d+);/.exec(text.slice(i, i + 8));
      if (!m) return { ok: false, reason: `unsupported entity at byte offset ${i}` };
      visible += 'x';
      i += m[0].length;
    } else {
      visible += ch;
      i += 1;
    }
  }
  if (stack.length > 0) return { ok: false, reason: `unclosed tag "${stack.at(-1)}"` };
  return { ok: true, visible };
}

/** The Bot API methods the stand-in answers: sending, and the chat actions' callbacks. */
const TELEGRAM_METHODS = new Set(['sendMessage', 'answerCallbackQuery', 'editMessageReplyMarkup']);

/**
 * Telegram Bot API: sendMessage {"ok":true,…}; 400 can't parse entities / too long /
 * BUTTON_DATA_INVALID (callback_data over 64 bytes); 429 with retry_after; and
 * answerCallbackQuery / editMessageReplyMarkup for inline keyboards.
 */
export function startTelegramPeer(): Promise<ChatPeer> {
  let messageId = 0;
  return startPeer({
    ok: () => ({
      status: 200,
      reply: JSON.stringify({
        ok: true,
        result: { message_id: ++messageId, chat: { id: -100 }, date: Math.floor(Date.now() / 1000) },
      }),
    }),
    rateLimited: (s) => ({
      status: 429,
      reply: JSON.stringify({
        ok: false,
        error_code: 429,
        description: `Too Many Requests: retry after ${s}`,
        parameters: { retry_after: s },
      }),
      headers: { 'retry-after': String(s) },
    }),
    malformed: '<html>502 Bad Gateway</html>',
    validate: (body, req) => {
      const bad = (description: string) => ({
        status: 400,
        reply: JSON.stringify({ ok: false, error_code: 400, description }),
      });
      const method = /^\/bot\d+:[A-Za-z0-9_-]+\/([A-Za-z]+)$/.exec(req.url ?? '')?.[1] ?? '';
      if (!TELEGRAM_METHODS.has(method))
        return {
          status: 404,
          reply: JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }),
        };
      let m: {
        chat_id?: unknown;
        text?: unknown;
        parse_mode?: unknown;
        callback_query_id?: unknown;
        message_id?: unknown;
        reply_markup?: { inline_keyboard?: { callback_data?: string }[][] };
      };
      try {
        m = JSON.parse(body);
      } catch {
        return bad('Bad Request: invalid JSON');
      }
      for (const row of m.reply_markup?.inline_keyboard ?? [])
        for (const b of row)
          if (Buffer.byteLength(b.callback_data ?? '') > 64) return bad('Bad Request: BUTTON_DATA_INVALID');
      if (method === 'answerCallbackQuery')
        return typeof m.callback_query_id === 'string' ? undefined : bad('Bad Request: query is too old');
      if (method === 'editMessageReplyMarkup')
        return m.chat_id !== undefined && m.message_id !== undefined
          ? undefined
          : bad('Bad Request: message identifier is not specified');
      if (m.chat_id === undefined) return bad('Bad Request: chat_id is empty');
      if (typeof m.text !== 'string' || m.text.length === 0) return bad('Bad Request: message text is empty');
      let visible = m.text;
      if (m.parse_mode === 'HTML') {
        const parsed = parseTelegramHtml(m.text);
        if (!parsed.ok) return bad(`Bad Request: can't parse entities: ${parsed.reason}`);
        visible = parsed.visible;
      }
      if (visible.length > 4096) return bad('Bad Request: message is too long');
      return undefined;
    },
  });
}

/** A webhook receiver that checks the HMAC signature and counts each delivery id once. */
export function startWebhookPeer(secret: string): Promise<ChatPeer> {
  return startPeer({
    ok: () => ({ status: 204, reply: '' }),
    rateLimited: (s) => ({ status: 429, reply: '', headers: { 'retry-after': String(s) } }),
    malformed: '{"unexpected":',
    validate: (body, req) => {
      const ts = String(req.headers['x-tradewatch-timestamp'] ?? '');
      const given = Buffer.from(String(req.headers['x-tradewatch-signature'] ?? ''));
      const want = Buffer.from(
        `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
      );
      if (given.length !== want.length || !timingSafeEqual(given, want))
        return { status: 401, reply: 'bad signature' };
      return undefined;
    },
  });
}

/** The three chat peers a delivery test talks to (the webhook signed with `secret`), closed together. */
export interface ChatPeers {
  slack: ChatPeer;
  telegram: ChatPeer;
  webhook: ChatPeer;
  close(): Promise<void>;
}

export async function startChatPeers(secret: string): Promise<ChatPeers> {
  const [slack, telegram, webhook] = await Promise.all([
    startSlackPeer(),
    startTelegramPeer(),
    startWebhookPeer(secret),
  ]);
  return {
    slack,
    telegram,
    webhook,
    close: async () => {
      await Promise.all([slack.close(), telegram.close(), webhook.close()]);
    },
  };
}
