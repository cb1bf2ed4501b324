import { describe, expect, it } from 'vitest';
import type { AlertView } from './channels/types.js';
import { parseRouting } from './config.js';
import { deliveryIdOf, inMuteWindow, plan } from './planner.js';
import type { Silence } from './store.js';

/**
 * The planner is pure (state in, decisions out: planner.ts), so its rules for silenced,
 * inhibited and muted alerts are checked directly; notifier.int.test.ts runs it against the
 * real store and channels.
 */
const SECRET = 'a-webhook-secret-of-enough-length-123456';
const routingWith = (route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  parseRouting({
    channels: { hook: { type: 'webhook', url: 'https://siem.example/alerts', secret: SECRET } },
    routes: [{ channels: ['hook'], repeat_interval_s: 0, ...route }],
    ...extra,
  });

const NOW = Date.parse('2026-12-02T03:00:00Z');
const anAlert = (o: Partial<AlertView> = {}): AlertView => ({
  fingerprint: 'f'.repeat(64),
  alert_id: 'spread-blowout-ffffffffffff',
  rule_id: 'spread-blowout',
  severity: 'high',
  entity_type: 'market',
  entity: 'binance:BTCUSDT',
  related: [],
  venue: 'binance',
  title: 'Spread blow-out',
  summary: 'spread 80 bps',
  evidence: '{}',
  first_seen: '2026-12-02 02:50:00.000',
  last_seen: '2026-12-02 02:55:00.000',
  trigger_at: '2026-12-02 02:50:00.000',
  detected_at: '2026-12-02 02:50:01.000',
  effective_status: 'firing',
  assignee: '',
  runbook: '',
  ...o,
});
const silenceOn = (rule: string): Silence => ({
  silence_id: 's1',
  rule_id: rule,
  entity: '',
  starts_at: '2026-12-02 00:00:00.000',
  ends_at: '2026-12-03 00:00:00.000',
  created_by: 'ops',
  reason: 'maintenance',
});
const run = (o: {
  alerts: AlertView[];
  routing?: ReturnType<typeof routingWith>;
  silences?: Silence[];
  done?: string[];
  now?: number;
}) =>
  plan({
    alerts: o.alerts,
    routing: o.routing ?? routingWith(),
    silences: o.silences ?? [],
    rules: [],
    done: new Set(o.done ?? []),
    busy: new Set(),
    seenAt: new Map(),
    now: o.now ?? NOW,
  });
const kinds = (p: ReturnType<typeof plan>) => p.messages.map((m) => m.kind);
const sent = (a: AlertView, kind: string) => deliveryIdOf(a.fingerprint, 'hook', kind);

describe('alerts that resolve while silenced or inhibited', () => {
  it('sends the resolved notice of an announced alert even while it is silenced', () => {
    const resolved = anAlert({ effective_status: 'resolved' });
    const p = run({
      alerts: [resolved],
      silences: [silenceOn('spread-blowout')],
      done: [sent(resolved, 'firing')],
    });
    expect(kinds(p)).toEqual(['resolved']);
    // Still firing under the silence: nothing (the silence holds news of trouble).
    const firing = anAlert();
    expect(kinds(run({ alerts: [firing], silences: [silenceOn('spread-blowout')] }))).toEqual([]);
  });

  it('sends one resolved notice, and never a firing one, for an alert that came and went while silenced', () => {
    const a = anAlert({ effective_status: 'resolved' });
    const silences = [silenceOn('spread-blowout')];
    expect(kinds(run({ alerts: [a], silences }))).toEqual(['resolved']);
    // Once that notice is logged, nothing more: not now, not when the silence has expired.
    expect(kinds(run({ alerts: [a], silences, done: [sent(a, 'resolved')] }))).toEqual([]);
    expect(kinds(run({ alerts: [a], done: [sent(a, 'resolved')] }))).toEqual([]);
    // A route that does not want resolved notices gets nothing at all.
    expect(kinds(run({ alerts: [a], silences, routing: routingWith({ send_resolved: false }) }))).toEqual([]);
  });

  it('does the same for an alert inhibited by an open source alert', () => {
    const routing = routingWith(
      {},
      { inhibit: [{ source_rules: ['stale-feed'], target_rules: ['spread-blowout'] }] },
    );
    const source = anAlert({
      fingerprint: 'a'.repeat(64),
      alert_id: 'stale-feed-aaaa',
      rule_id: 'stale-feed',
    });
    const target = anAlert({ effective_status: 'resolved' });
    const p = run({ alerts: [source, target], routing, done: [sent(source, 'firing')] });
    expect(p.messages.flatMap((m) => m.deliveries.map((d) => [d.alert.rule_id, d.kind]))).toEqual([
      ['spread-blowout', 'resolved'],
    ]);
    // Without the source, an unannounced resolved alert is a delivery outage: announced, then resolved.
    expect(kinds(run({ alerts: [target] }))).toEqual(['firing']);
  });
});

describe('mute windows per route', () => {
  it('holds deliveries while a window is open and sends them when it closes', () => {
    // 22:00-06:00 UTC on weekdays: 2026-12-02 is a Wednesday.
    const routing = routingWith({ mute_windows: [{ days: ['tue', 'wed'], start: '22:00', end: '06:00' }] });
    const a = anAlert();
    const muted = run({ alerts: [a], routing, now: Date.parse('2026-12-02T03:00:00Z') });
    expect(muted.messages).toEqual([]);
    expect(muted.muted).toBe(1);
    expect(kinds(run({ alerts: [a], routing, now: Date.parse('2026-12-02T06:00:00Z') }))).toEqual(['firing']);
    // Wednesday 23:00 is in; Friday 01:00 belongs to Thursday's window, which is not listed.
    expect(inMuteWindow(routing.routes[0] as never, Date.parse('2026-12-02T23:00:00Z'))).toBe(true);
    expect(inMuteWindow(routing.routes[0] as never, Date.parse('2026-12-04T01:00:00Z'))).toBe(false);
  });

  it('reads each window in its own time zone', () => {
    const routing = routingWith({ mute_windows: [{ start: '09:00', end: '10:00', tz: 'Asia/Tokyo' }] });
    expect(inMuteWindow(routing.routes[0] as never, Date.parse('2026-12-02T00:30:00Z'))).toBe(true);
    expect(inMuteWindow(routing.routes[0] as never, Date.parse('2026-12-02T09:30:00Z'))).toBe(false);
  });

  it('refuses a bad window at start-up, naming the route, the field and the reason', () => {
    expect(() => routingWith({ mute_windows: [{ start: '25:00', end: '06:00' }] })).toThrow(
      /routes\.0\.mute_windows\.0\.start.*HH:MM/,
    );
    expect(() =>
      routingWith({ mute_windows: [{ start: '01:00', end: '02:00', tz: 'Mars/Olympus' }] }),
    ).toThrow(/routes\.0\.mute_windows\.0\.tz.*IANA time zone/);
    expect(() =>
      routingWith({ mute_windows: [{ days: ['someday'], start: '01:00', end: '02:00' }] }),
    ).toThrow(/routes\.0\.mute_windows\.0\.days\.0/);
  });
});
