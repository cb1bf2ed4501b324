import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlertView } from './channels/types.js';
import { parseRouting } from './config.js';
import { isInhibited } from './planner.js';

// The shipped example: stale-feed / book-integrity inhibit the market-health rules.
const routing = parseRouting(
  JSON.parse(readFileSync(join(import.meta.dirname, 'alerting.example.json'), 'utf8')),
  {
    SLACK_WEBHOOK_URL: 'https://hooks.slack.example/x',
    TELEGRAM_BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678',
    TELEGRAM_CHAT_ID: '1',
    ALERT_WEBHOOK_URL: 'https://siem.example/a',
    ALERT_WEBHOOK_SECRET: 'a-webhook-secret-of-enough-length',
  },
);

const market = (rule_id: string, entity: string): AlertView => ({
  fingerprint: `${rule_id}-${entity}`,
  alert_id: `${rule_id}-${entity}`,
  rule_id,
  severity: 'high',
  entity_type: 'market',
  entity,
  related: [],
  venue: entity.split(':')[0] as string,
  title: rule_id,
  summary: '',
  evidence: '{}',
  first_seen: '2026-01-01 00:00:00.000',
  last_seen: '2026-01-01 00:00:00.000',
  trigger_at: '2026-01-01 00:00:00.000',
  detected_at: '2026-01-01 00:00:00.000',
  effective_status: 'firing',
  assignee: '',
  runbook: '',
});

describe('inhibition grain (venue + symbol)', () => {
  const staleEth = market('stale-feed', 'binance:ETHUSDT');
  const brokenSol = market('book-integrity', 'binance:SOLUSDT');

  it('a stale or broken feed mutes the market-health alerts of its own symbol', () => {
    for (const rule of ['price-spike', 'spread-blowout', 'depth-collapse']) {
      expect(isInhibited(market(rule, 'binance:ETHUSDT'), routing, [staleEth])).toBe(true);
      expect(isInhibited(market(rule, 'binance:SOLUSDT'), routing, [brokenSol])).toBe(true);
    }
  });

  it('never another symbol of the same venue, nor the same symbol elsewhere', () => {
    const open = [staleEth, brokenSol];
    expect(isInhibited(market('price-spike', 'binance:BTCUSDT'), routing, open)).toBe(false);
    expect(isInhibited(market('price-spike', 'okx:ETHUSDT'), routing, open)).toBe(false);
    // Rules that do not depend on the feed are not targets at all.
    expect(isInhibited(market('stale-feed', 'binance:BTCUSDT'), routing, open)).toBe(false);
  });

  it('a venue-wide source (no symbol) mutes every symbol of that venue only; a resolved one mutes nothing', () => {
    const venueDown = market('book-integrity', 'kraken:');
    expect(isInhibited(market('price-spike', 'kraken:BTCUSDT'), routing, [venueDown])).toBe(true);
    expect(isInhibited(market('price-spike', 'binance:BTCUSDT'), routing, [venueDown])).toBe(false);
    const resolved = { ...staleEth, effective_status: 'resolved' as const };
    expect(isInhibited(market('price-spike', 'binance:ETHUSDT'), routing, [resolved])).toBe(false);
  });
});
