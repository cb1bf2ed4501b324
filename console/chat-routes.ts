import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActionRequest, ActionResult } from '../alerting/actions.js';
import {
  CHAT_VERBS,
  type ChatVerb,
  decodeCallback,
  slackAction,
  telegramKeyboard,
} from '../alerting/chat-actions.js';
import type { ConsoleContext } from './context.js';

/**
 * Buttons pressed in Slack and Telegram. Both end in AlertActions.perform (the audit row of
 * the console and the CLI, via = slack | telegram) with no version check: a button acts on
 * the alert as it is now, and pressing what is already true writes nothing.
 *
 * Slack (POST /chat/slack/actions): the v0 signature over "v0:<timestamp>:<body>" with the
 * app's signing secret, the timestamp within 5 minutes; answered at once (Slack wants 200
 * within 3 s) and the message updated afterwards through response_url. A retry
 * (X-Slack-Retry-Num) of an interaction already taken is answered and not acted on again.
 * Telegram (POST /chat/telegram/webhook): the secret_token given to setWebhook, an allow-list
 * of users and chats; answerCallbackQuery, then editMessageReplyMarkup with the new state.
 */
const SLACK_WINDOW_S = 300;
const SEEN_TTL_MS = 10 * 60_000;

const safeEqual = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Keys seen in the last ten minutes: retries and duplicate updates are acted on once. */
class Seen {
  readonly #at = new Map<string, number>();
  firstTime(key: string): boolean {
    const now = Date.now();
    for (const [k, t] of this.#at) if (t < now - SEEN_TTL_MS) this.#at.delete(k);
    if (this.#at.has(key)) return false;
    this.#at.set(key, now);
    return true;
  }
}

function request(verb: ChatVerb, alertId: string, actor: string, via: string): ActionRequest {
  const outcome = CHAT_VERBS[verb].outcome;
  if (verb === 'ack') return { alert: alertId, action: 'acknowledge', actor, via };
  if (verb === 'mine') return { alert: alertId, action: 'assign', actor, via, assignee: actor };
  return { alert: alertId, action: 'resolve', actor, via, outcome };
}

const describe = (r: ActionResult, verb: ChatVerb, who: string) =>
  r.ok
    ? `${CHAT_VERBS[verb].label} by ${who}${r.changed ? '' : ' (already so)'} · now ${r.alert.effective_status}${r.alert.assignee ? ` · assignee ${r.alert.assignee}` : ''}`
    : `Not done: ${r.message}`;

export function registerChatRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const c = ctx.config;
  const seen = new Seen();
  const post = (url: string, body: object) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });

  app.post('/chat/slack/actions', async (req, reply) => {
    if (!c.CONSOLE_SLACK_SIGNING_SECRET) return reply.code(404).send('slack actions are not configured\n');
    const problem = slackSignatureProblem(req, c.CONSOLE_SLACK_SIGNING_SECRET);
    if (problem) {
      ctx.counters.refused.inc({ reason: 'slack_signature' });
      ctx.log.warn({ problem, ip: req.ip }, 'slack interaction refused');
      return reply.code(401).type('text/plain').send(`refused: ${problem}\n`);
    }
    let payload: {
      type?: string;
      trigger_id?: string;
      user?: { id?: string; username?: string; name?: string };
      actions?: Array<{
        action_id?: string;
        value?: string;
        action_ts?: string;
        selected_option?: { value?: string };
      }>;
      response_url?: string;
      message?: { blocks?: Array<{ type?: string; block_id?: string }> };
    };
    try {
      payload = JSON.parse(String((req.body as Record<string, string>).payload ?? ''));
    } catch {
      return reply.code(400).type('text/plain').send('payload: not JSON\n');
    }
    const action = payload.actions?.[0];
    const parsed = action && slackAction(action);
    if (payload.type !== 'block_actions' || !parsed)
      return reply.code(400).type('text/plain').send('payload: not a Tradewatch button\n');
    const key = `slack:${payload.trigger_id ?? ''}:${action.action_ts ?? ''}:${payload.user?.id ?? ''}`;
    // Answered now; the work and the message update follow (Slack's 3-second limit).
    if (!seen.firstTime(key)) return reply.code(200).send('');
    const who = `slack:${payload.user?.username ?? payload.user?.name ?? payload.user?.id ?? 'unknown'}`;
    const responseUrl = payload.response_url ?? '';
    void (async () => {
      const result = await ctx.actions.perform(request(parsed.verb, parsed.alertId, who, 'slack'));
      ctx.counters.actions.inc({ action: parsed.verb, result: result.ok ? 'ok' : result.code });
      ctx.live.nudge();
      if (!responseUrl.startsWith(c.CONSOLE_SLACK_RESPONSE_URL_PREFIX)) {
        ctx.log.warn(
          { responseUrl: responseUrl.slice(0, 100) },
          'slack response_url outside the allowed prefix: message not updated',
        );
        return;
      }
      const text = describe(result, parsed.verb, who);
      // The original blocks without our controls, and a line saying what happened.
      const blocks = (payload.message?.blocks ?? []).filter((b) => !b.block_id?.startsWith('tw_actions:'));
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text }] } as never);
      const res = await post(responseUrl, { replace_original: true, text, blocks });
      if (!res.ok) ctx.log.warn({ status: res.status }, 'slack response_url update failed');
    })().catch((err: unknown) => ctx.log.error({ err }, 'slack action failed'));
    return reply.code(200).send('');
  });

  app.post('/chat/telegram/webhook', async (req, reply) => {
    if (!c.CONSOLE_TELEGRAM_BOT_TOKEN || !c.CONSOLE_TELEGRAM_WEBHOOK_SECRET)
      return reply.code(404).send('telegram actions are not configured\n');
    const token = req.headers['x-telegram-bot-api-secret-token'];
    if (typeof token !== 'string' || !safeEqual(token, c.CONSOLE_TELEGRAM_WEBHOOK_SECRET)) {
      ctx.counters.refused.inc({ reason: 'telegram_secret' });
      return reply.code(401).type('text/plain').send('refused: wrong secret token\n');
    }
    const update = (req.body ?? {}) as {
      update_id?: number;
      callback_query?: {
        id: string;
        from?: { id?: number; username?: string };
        message?: { message_id?: number; chat?: { id?: number } };
        data?: string;
      };
    };
    const q = update.callback_query;
    // Other updates (messages to the bot) are none of ours: acknowledged so Telegram moves on.
    if (!q || !seen.firstTime(`telegram:${update.update_id}`)) return reply.send({ ok: true });
    const api = `${c.CONSOLE_TELEGRAM_API_URL.replace(/\/$/, '')}/bot${c.CONSOLE_TELEGRAM_BOT_TOKEN}`;
    const answer = (text: string) =>
      post(`${api}/answerCallbackQuery`, { callback_query_id: q.id, text: text.slice(0, 200) });
    const userId = String(q.from?.id ?? '');
    const chatId = String(q.message?.chat?.id ?? '');
    if (
      !c.CONSOLE_TELEGRAM_ALLOWED_USERS.includes(userId) ||
      !c.CONSOLE_TELEGRAM_ALLOWED_CHATS.includes(chatId)
    ) {
      ctx.counters.refused.inc({ reason: 'telegram_not_allowed' });
      ctx.log.warn({ userId, chatId }, 'telegram button from a user or chat not on the allow-list');
      await answer('You are not allowed to act on Tradewatch alerts.').catch(() => undefined);
      return reply.send({ ok: true });
    }
    const parsed = decodeCallback(q.data ?? '');
    if (!parsed) {
      await answer('Unknown button.').catch(() => undefined);
      return reply.send({ ok: true });
    }
    const who = `telegram:${q.from?.username ?? userId}`;
    const result = await ctx.actions.perform(request(parsed.verb, parsed.alertId, who, 'telegram'));
    ctx.counters.actions.inc({ action: parsed.verb, result: result.ok ? 'ok' : result.code });
    ctx.live.nudge();
    const text = describe(result, parsed.verb, who);
    await answer(text);
    // The keyboard shows the new state on its first row; resolved alerts keep no buttons.
    const resolved = result.ok && result.alert.effective_status === 'resolved';
    const status = [{ text: text.slice(0, 60), callback_data: 'tw:noop' }];
    await post(`${api}/editMessageReplyMarkup`, {
      chat_id: q.message?.chat?.id,
      message_id: q.message?.message_id,
      reply_markup: { inline_keyboard: resolved ? [status] : [status, ...telegramKeyboard(parsed.alertId)] },
    });
    return reply.send({ ok: true });
  });
}

/** Why a request does not carry a valid Slack v0 signature, or undefined. */
export function slackSignatureProblem(
  req: FastifyRequest,
  secret: string,
  nowS = Date.now() / 1000,
): string | undefined {
  const ts = req.headers['x-slack-request-timestamp'];
  const sig = req.headers['x-slack-signature'];
  if (typeof ts !== 'string' || !/^\d+$/.test(ts)) return 'no X-Slack-Request-Timestamp';
  if (Math.abs(nowS - Number(ts)) > SLACK_WINDOW_S) return 'timestamp outside the 5-minute window (replay?)';
  if (typeof sig !== 'string') return 'no X-Slack-Signature';
  const raw = (req as unknown as { formBody?: string }).formBody ?? '';
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return safeEqual(sig, expected) ? undefined : 'signature does not match';
}
