import { messageOf } from '../../../lib/errors.js';
import { sleep } from '../../../lib/time.js';
import type { HourlyBudget } from './budget.js';
import { clampUnit } from './scorer.js';

export interface ChatCompletionsSettings {
  /** e.g. http://127.0.0.1:8000/v1 — `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  /** Per request, including reading the body. */
  timeoutMs: number;
  /** Retries after the first attempt, for timeouts, network errors, 429 and 5xx. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Why a batch could not be scored by the endpoint; the caller falls back on any of them. */
export type LlmOutcome =
  | { ok: true; scores: number[]; attempts: number }
  | { ok: false; reason: string; attempts: number; overBudget: boolean };

const SYSTEM_PROMPT = [
  'You score the sentiment of crypto-market news and posts towards the tokens they mention.',
  'For each numbered text give one number from -1 (very negative) to 1 (very positive), 0 when neutral.',
  'Reply with JSON only, exactly: {"scores": [n1, n2, ...]} with one number per text, in order.',
].join(' ');

/** The prompt's texts, numbered and cut short: sentiment is in the first lines, tokens cost money. */
export function userPrompt(texts: readonly string[]): string {
  return texts.map((text, i) => `${i + 1}. ${text.slice(0, 800).replace(/\s+/g, ' ')}`).join('\n');
}

/** Reads `{"scores": [...]}` (or a bare array) out of the model's reply, tolerating code fences. */
export function parseScores(content: string, expected: number): number[] | string {
  const start = content.search(/[[{]/);
  const end = Math.max(content.lastIndexOf('}'), content.lastIndexOf(']'));
  if (start < 0 || end < start) return 'reply holds no JSON';
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.slice(start, end + 1));
  } catch (err) {
    return `reply is not JSON: ${messageOf(err)}`;
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { scores?: unknown } | null)?.scores;
  if (!Array.isArray(list)) return 'reply has no "scores" array';
  if (list.length !== expected) return `reply has ${list.length} scores for ${expected} texts`;
  const numbers = list.map((x) => (typeof x === 'number' ? x : Number(x)));
  if (numbers.some((x) => !Number.isFinite(x))) return 'reply has a score that is not a number';
  // Models sometimes answer on a wider scale by a hair (1.1); the direction is still right.
  return numbers.map(clampUnit);
}

type Attempt =
  | { ok: true; content: string }
  | { ok: false; reason: string; retriable: boolean; waitMs?: number };

/**
 * Scores one batch through an OpenAI-compatible `POST /chat/completions`, retrying what
 * can succeed later (timeouts, network errors, 429 with its Retry-After, 5xx) with
 * exponential backoff and jitter. Every request is paid from `budget`; when it is spent
 * the batch fails with `overBudget` and the caller uses the lexicon.
 */
export async function scoreWithChatCompletions(
  settings: ChatCompletionsSettings,
  budget: HourlyBudget,
  texts: readonly string[],
): Promise<LlmOutcome> {
  let attempts = 0;
  let last = '';
  for (;;) {
    if (!budget.tryTake()) {
      return {
        ok: false,
        reason: `hourly budget spent${last ? ` (last: ${last})` : ''}`,
        attempts,
        overBudget: true,
      };
    }
    attempts += 1;
    const attempt = await requestOnce(settings, texts);
    if (attempt.ok) {
      const scores = parseScores(attempt.content, texts.length);
      // A malformed reply is the model's answer, not a transient fault: no retry.
      if (typeof scores === 'string') return { ok: false, reason: scores, attempts, overBudget: false };
      return { ok: true, scores, attempts };
    }
    last = attempt.reason;
    if (!attempt.retriable || attempts > settings.maxRetries) {
      return { ok: false, reason: attempt.reason, attempts, overBudget: false };
    }
    const backoff = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
    await sleep(Math.min(settings.retryMaxMs, attempt.waitMs ?? backoff * (0.5 + Math.random() * 0.5)));
  }
}

async function requestOnce(settings: ChatCompletionsSettings, texts: readonly string[]): Promise<Attempt> {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: settings.model,
        temperature: 0,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: userPrompt(texts) },
        ],
      }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const body = await response.text();
    if (response.status === 429) {
      const retryAfterS = Number(response.headers.get('retry-after'));
      return {
        ok: false,
        reason: 'HTTP 429 (rate limited)',
        retriable: true,
        ...(Number.isFinite(retryAfterS) && retryAfterS >= 0 ? { waitMs: retryAfterS * 1000 } : {}),
      };
    }
    if (response.status >= 500) return { ok: false, reason: `HTTP ${response.status}`, retriable: true };
    // Other 4xx: a wrong key, model or URL; repeating the request cannot fix it.
    if (!response.ok)
      return { ok: false, reason: `HTTP ${response.status}: ${body.slice(0, 200)}`, retriable: false };
    const content = (JSON.parse(body) as { choices?: Array<{ message?: { content?: unknown } }> })
      .choices?.[0]?.message?.content;
    if (typeof content !== 'string')
      return { ok: false, reason: 'response has no choices[0].message.content', retriable: false };
    return { ok: true, content };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return {
      ok: false,
      reason: timedOut ? `timed out after ${settings.timeoutMs} ms` : `request failed: ${messageOf(err)}`,
      // A body that is not JSON after a 200 is as permanent as a bad reply; network errors are not.
      retriable: !(err instanceof SyntaxError),
    };
  }
}
