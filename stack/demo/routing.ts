import { parseRouting, type Routing } from '../../alerting/config.js';

/**
 * Where the demo's alerts go: always the terminal (console channel), and Slack, Telegram or
 * a signed webhook as well when their variables are set — the same names as
 * alerting/alerting.example.json, so one environment serves both. Returns the channel names
 * too, for the start-up banner.
 */
export function demoRouting(env: Record<string, string | undefined> = process.env): {
  routing: Routing;
  channels: string[];
} {
  const channels: Record<string, Record<string, unknown>> = { terminal: { type: 'console' } };
  const set = (name: string) => (env[name] ?? '') !== '';
  if (set('SLACK_WEBHOOK_URL')) channels.slack = { type: 'slack', webhook_url: env.SLACK_WEBHOOK_URL };
  if (set('TELEGRAM_BOT_TOKEN') || set('TELEGRAM_CHAT_ID'))
    // Both or neither: one alone is a mistake that parseRouting names (key and value).
    channels.telegram = {
      type: 'telegram',
      bot_token: env.TELEGRAM_BOT_TOKEN,
      chat_id: env.TELEGRAM_CHAT_ID,
    };
  if (set('ALERT_WEBHOOK_URL') || set('ALERT_WEBHOOK_SECRET'))
    channels.webhook = { type: 'webhook', url: env.ALERT_WEBHOOK_URL, secret: env.ALERT_WEBHOOK_SECRET };
  const routing = parseRouting(
    {
      channels,
      // One alert per message and no reminders: the demo is about seeing each alert arrive.
      routes: [{ channels: Object.keys(channels), group_max_alerts: 1, repeat_interval_s: 0 }],
    },
    env,
  );
  return { routing, channels: Object.keys(channels) };
}
