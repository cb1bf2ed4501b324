import { z } from 'zod';
import { telegramKeyboard, wantsButtons } from '../chat-actions.js';
import { postMessage, rateLimited } from './post.js';
import { headline, prettyEvidence, truncate } from './text.js';
import type { ChannelSpec, Notification, SendResult, Transport } from './types.js';

/**
 * Telegram Bot API sendMessage with parse_mode HTML: POST <api>/bot<token>/sendMessage
 * {chat_id, text, parse_mode, link_preview_options}. Answers {"ok":true,"result":…} or
 * {"ok":false,"error_code":N,"description":…,"parameters":{"retry_after":S}} (429).
 * HTML rather than MarkdownV2: three characters to escape (& < >) instead of eighteen,
 * and a <pre> block holds the evidence. The text is kept within 4096 characters.
 */
export const telegramSchema = z.object({
  type: z.literal('telegram'),
  bot_token: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a bot token like 123456:ABC…'),
  chat_id: z.union([z.string().min(1), z.number().int()]),
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  timeout_ms: z.number().int().min(100).default(5_000),
  /** An inline keyboard (Acknowledge, Assign to me, Resolve…) on single-alert messages; the console handles the callbacks. */
  buttons: z.boolean().default(false),
});

export const TELEGRAM_TEXT_LIMIT = 4096;

/** Telegram's HTML: &, < and > in text; " too, as the dashboard URL sits in an href attribute. */
export const escapeTelegramHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The message text: escaped pieces; evidence shrinks until the whole fits the limit. */
export function telegramText(n: Notification, limit = TELEGRAM_TEXT_LIMIT): string {
  const first = n.alerts[0];
  if (!first) throw new Error('a notification has at least one alert');
  const build = (evidenceChars: number) => {
    const parts = [`<b>${escapeTelegramHtml(headline(n.kind, n.alerts.length, first))}</b>`];
    for (const a of n.alerts.slice(0, 10)) {
      parts.push(
        `<b>${escapeTelegramHtml(truncate(a.entity, 200))}</b> · <code>${escapeTelegramHtml(a.alert_id)}</code>\n${escapeTelegramHtml(truncate(a.summary, 600))}`,
      );
      if (n.kind !== 'resolved' && evidenceChars > 0)
        parts.push(`<pre>${escapeTelegramHtml(truncate(prettyEvidence(a.evidence), evidenceChars))}</pre>`);
    }
    if (n.alerts.length > 10) parts.push(`…and ${n.alerts.length - 10} more`);
    parts.push(`<i>Runbook:</i> ${escapeTelegramHtml(truncate(first.runbook, 500))}`);
    parts.push(`<a href="${escapeTelegramHtml(n.dashboardUrl)}">Open in Grafana</a>`);
    return parts.join('\n\n');
  };
  // Escaping can triple a character (> → &gt;); halve the evidence until the text fits.
  for (
    let chars = Math.floor(3000 / Math.min(n.alerts.length, 10));
    chars >= 50;
    chars = Math.floor(chars / 2)
  ) {
    const text = build(chars);
    if (text.length <= limit) return text;
  }
  return truncateHtmlFree(build(0), limit);
}

/** Last resort: without evidence and still too long; cut on a line boundary outside tags. */
function truncateHtmlFree(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const plain = text.replace(/<[^>]+>/g, '');
  return truncate(plain, limit);
}

function create(config: z.infer<typeof telegramSchema>): Transport {
  const url = `${config.api_url.replace(/\/$/, '')}/bot${config.bot_token}/sendMessage`;
  const render = (n: Notification) => ({
    body: JSON.stringify({
      chat_id: config.chat_id,
      text: telegramText(n),
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
      ...(config.buttons && wantsButtons(n.kind, n.alerts) && n.alerts[0]
        ? { reply_markup: { inline_keyboard: telegramKeyboard(n.alerts[0].alert_id) } }
        : {}),
    }),
    headers: { 'content-type': 'application/json' },
  });
  return {
    type: 'telegram',
    render,
    async send(n, signal): Promise<SendResult> {
      const res = await postMessage(url, render(n), signal, config.timeout_ms);
      if (!(res instanceof Response)) return res;
      let reply: {
        ok?: boolean;
        error_code?: number;
        description?: string;
        parameters?: { retry_after?: number };
      } = {};
      try {
        reply = (await res.json()) as typeof reply;
      } catch {
        // A proxy's HTML error page, or a cut connection: judged by the status alone.
      }
      if (res.ok && reply.ok === true) return { ok: true, status: res.status };
      if (res.status === 429 || reply.error_code === 429)
        return rateLimited(res, reply.parameters?.retry_after);
      // 200 without ok:true is a malformed answer: the message may not be posted, so retry.
      const retriable = res.status >= 500 || res.ok;
      const what =
        typeof reply.description === 'string' ? truncate(reply.description, 120) : 'unreadable reply';
      return { ok: false, status: res.status, retriable, error: `telegram ${res.status}: ${what}` };
    },
  };
}

export const telegramChannel: ChannelSpec<typeof telegramSchema> = { schema: telegramSchema, create };
