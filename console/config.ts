import { z } from 'zod';
import { env, loadEnv, secret } from '../lib/config/env.js';

/** The console's settings (environment), beside the platform's (lib/config). */
export const consoleDefaults = {
  CONSOLE_HOST: '127.0.0.1',
  CONSOLE_PORT: 8790,
  CONSOLE_SESSION_TTL_MS: 8 * 3_600_000,
  CONSOLE_POLL_INTERVAL_MS: 1_000,
  CONSOLE_GRAFANA_URL: 'http://127.0.0.1:3000/d/tradewatch-alerts',
  CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE: 10,
} as const;

const idList = env.list(z.string().regex(/^-?\d+$/, 'numeric ids, comma-separated'));

const int = (min: number) => z.coerce.number().int().min(min);

export const consoleSchema = z.object({
  /** Loopback unless set: the console holds analysts' sessions; expose it through a TLS proxy. */
  CONSOLE_HOST: z.string().min(1).default(consoleDefaults.CONSOLE_HOST),
  /** 0: the OS picks a free port (tests). */
  CONSOLE_PORT: int(0).max(65_535).default(consoleDefaults.CONSOLE_PORT),
  CONSOLE_SESSION_TTL_MS: int(60_000).default(consoleDefaults.CONSOLE_SESSION_TTL_MS),
  /** How often the live queue looks for new alerts and actions. */
  CONSOLE_POLL_INTERVAL_MS: int(100).default(consoleDefaults.CONSOLE_POLL_INTERVAL_MS),
  CONSOLE_GRAFANA_URL: z.url({ protocol: /^https?$/ }).default(consoleDefaults.CONSOLE_GRAFANA_URL),
  /** Per client address; failed and successful sign-ins alike. */
  CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE: int(1).default(consoleDefaults.CONSOLE_LOGIN_ATTEMPTS_PER_MINUTE),
  /** Slack app's signing secret: enables POST /chat/slack/actions (buttons on Slack messages). */
  CONSOLE_SLACK_SIGNING_SECRET: secret(z.string().min(16).optional()),
  /** Where Slack's response_url may point (anything else is refused: no requests to arbitrary hosts). */
  CONSOLE_SLACK_RESPONSE_URL_PREFIX: z.url().default('https://hooks.slack.com/'),
  /** Telegram bot: enables POST /chat/telegram/webhook (inline keyboards). */
  CONSOLE_TELEGRAM_BOT_TOKEN: secret(
    z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'a bot token like 123456:ABC…')
      .optional(),
  ),
  CONSOLE_TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  /** setWebhook's secret_token: Telegram sends it in X-Telegram-Bot-Api-Secret-Token. */
  CONSOLE_TELEGRAM_WEBHOOK_SECRET: secret(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,256}$/, '16-256 of A-Z a-z 0-9 _ -')
      .optional(),
  ),
  /** Comma-separated Telegram user ids allowed to act, and chat ids where buttons count. */
  CONSOLE_TELEGRAM_ALLOWED_USERS: idList.default([]),
  CONSOLE_TELEGRAM_ALLOWED_CHATS: idList.default([]),
});

export type ConsoleConfig = Readonly<z.infer<typeof consoleSchema>>;

/** Secrets (Slack signing secret, Telegram token and webhook secret) may come from `<NAME>_FILE`. */
export function loadConsoleConfig(given: Record<string, string | undefined> = process.env): ConsoleConfig {
  return loadEnv(consoleSchema, 'console configuration', given);
}

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
