import { describe, expect, it } from 'vitest';
import { demoRouting } from './routing.js';

describe('demo routing', () => {
  it('always prints to the terminal, with no reminders and one alert per message', () => {
    const { routing, channels } = demoRouting({});
    expect(channels).toEqual(['terminal']);
    expect(routing.channels.terminal).toMatchObject({ type: 'console' });
    expect(routing.routes).toEqual([
      expect.objectContaining({
        channels: ['terminal'],
        rules: [],
        group_max_alerts: 1,
        repeat_interval_s: 0,
      }),
    ]);
  });

  it('adds Slack, Telegram and the webhook when their variables are set', () => {
    const { routing, channels } = demoRouting({
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      TELEGRAM_CHAT_ID: '-1001',
      ALERT_WEBHOOK_URL: 'https://siem.example/hook',
      ALERT_WEBHOOK_SECRET: 'a-secret-of-16-chars-or-more',
    });
    expect(channels).toEqual(['terminal', 'slack', 'telegram', 'webhook']);
    expect(routing.routes[0]?.channels).toEqual(channels);
    expect(routing.channels.telegram).toMatchObject({ type: 'telegram', chat_id: '-1001' });
  });

  it('refuses half a channel, naming the missing key', () => {
    expect(() => demoRouting({ TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' })).toThrow(
      /channels\.telegram\.chat_id=undefined/,
    );
    expect(() =>
      demoRouting({ ALERT_WEBHOOK_URL: 'https://siem.example/hook', ALERT_WEBHOOK_SECRET: 'short' }),
    ).toThrow(/channels\.webhook\.secret="short": at least 16 characters/);
  });
});
