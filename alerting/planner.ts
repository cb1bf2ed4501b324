import { createHash } from 'node:crypto';
import type { AlertView, NotificationKind } from './channels/types.js';
import type { MuteWindow, Route, Routing } from './config.js';
import { severities } from './rules/rule-file.js';
import { chTimeMs, type RuleMeta, type Silence } from './store.js';

/**
 * Decides what is due, from state alone (no I/O), so a restarted notifier reaches the same
 * decisions: which alert goes to which channel as which kind of notification, what is held
 * back (silenced, inhibited, waiting for its group), and which alerts resolve themselves.
 */
export interface PlannedDelivery {
  deliveryId: string;
  channel: string;
  kind: NotificationKind;
  /** firing, resolved, or repeat-N: part of the delivery id. */
  kindKey: string;
  alert: AlertView;
  route: Route;
}

export interface PlannedMessage {
  messageId: string;
  channel: string;
  kind: NotificationKind;
  deliveries: PlannedDelivery[];
}

export interface Plan {
  messages: PlannedMessage[];
  silenced: number;
  inhibited: number;
  waiting: number;
  /** Held because the route's mute window is open. */
  muted: number;
  /** Open alerts of self-resolving rules unseen for their resolve_after_s. */
  autoResolve: AlertView[];
}

export const deliveryIdOf = (fingerprint: string, channel: string, kindKey: string): string =>
  createHash('sha256').update(`${fingerprint}\u0000${channel}\u0000${kindKey}`).digest('hex');

const messageIdOf = (ids: string[]): string =>
  createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('hex');

const rank = (s: string): number => severities.indexOf(s as (typeof severities)[number]);

export function routeChannels(routing: Routing, alert: AlertView): Map<string, Route> {
  const out = new Map<string, Route>();
  for (const r of routing.routes) {
    if (r.rules.length > 0 && !r.rules.includes(alert.rule_id)) continue;
    if (r.entity_types.length > 0 && !r.entity_types.includes(alert.entity_type)) continue;
    if (rank(alert.severity) < rank(r.min_severity)) continue;
    for (const c of r.channels) if (!out.has(c)) out.set(c, r);
  }
  return out;
}

export function isSilenced(alert: AlertView, silences: Silence[]): boolean {
  return silences.some(
    (s) =>
      (s.rule_id === '' || s.rule_id === alert.rule_id) &&
      (s.entity === '' || s.entity === alert.entity || alert.related.includes(s.entity)),
  );
}

/**
 * Whether an inhibiting source and a target agree at the inhibition's grain. `market`: the
 * same venue and symbol (market entities are `venue:SYMBOL`), or a source about the whole
 * venue (`venue:` with no symbol, e.g. a dropped connection) — a stale or broken feed of
 * one symbol never mutes another symbol's alerts.
 */
function sameGrain(equal: Routing['inhibit'][number]['equal'], src: AlertView, alert: AlertView): boolean {
  if (equal === 'venue') return src.venue !== '' && src.venue === alert.venue;
  if (equal === 'market')
    return (
      src.entity === alert.entity ||
      (src.venue !== '' && src.venue === alert.venue && src.entity === `${src.venue}:`)
    );
  return src.entity === alert.entity;
}

export function isInhibited(alert: AlertView, routing: Routing, open: AlertView[]): boolean {
  return routing.inhibit.some(
    (rule) =>
      rule.target_rules.includes(alert.rule_id) &&
      open.some(
        (src) =>
          src.fingerprint !== alert.fingerprint &&
          rule.source_rules.includes(src.rule_id) &&
          src.effective_status !== 'resolved' &&
          sameGrain(rule.equal, src, alert),
      ),
  );
}

export function plan(input: {
  alerts: AlertView[];
  routing: Routing;
  silences: Silence[];
  rules: RuleMeta[];
  done: ReadonlySet<string>;
  /** Deliveries queued or being sent: never planned twice. */
  busy: ReadonlySet<string>;
  /** When this notifier first saw each fingerprint (group_wait counts from there). */
  seenAt: ReadonlyMap<string, number>;
  now: number;
}): Plan {
  const { alerts, routing, now } = input;
  const result: Plan = { messages: [], silenced: 0, inhibited: 0, waiting: 0, muted: 0, autoResolve: [] };
  const resolveAfter = new Map(input.rules.map((r) => [r.rule_id, Number(r.resolve_after_s)]));
  for (const a of alerts) {
    const after = resolveAfter.get(a.rule_id) ?? 0;
    if (after > 0 && a.effective_status === 'firing' && now - chTimeMs(a.last_seen) > after * 1000)
      result.autoResolve.push(a);
  }
  const groups = new Map<string, PlannedDelivery[]>();
  for (const alert of alerts) {
    for (const [channel, route] of routeChannels(routing, alert)) {
      const silenced = isSilenced(alert, input.silences);
      const inhibited = isInhibited(alert, routing, alerts);
      const due = dueKinds(alert, channel, route, input.done, now, silenced || inhibited);
      for (const { kind, kindKey } of due) {
        const deliveryId = deliveryIdOf(alert.fingerprint, channel, kindKey);
        if (input.busy.has(deliveryId)) continue;
        if (inMuteWindow(route, now)) {
          result.muted += 1;
          continue;
        }
        // A resolved notice goes out even while silenced or inhibited (see dueKinds): the
        // channel was told it fired, or is told once that it came and went unannounced.
        if (kind !== 'resolved' && silenced) {
          result.silenced += 1;
          continue;
        }
        if (kind !== 'resolved' && inhibited) {
          result.inhibited += 1;
          continue;
        }
        if (kind === 'firing' && now - (input.seenAt.get(alert.fingerprint) ?? now) < route.group_wait_ms) {
          result.waiting += 1;
          continue;
        }
        const key = `${channel}\u0000${alert.rule_id}\u0000${kind}`;
        const list = groups.get(key) ?? [];
        list.push({ deliveryId, channel, kind, kindKey, alert, route });
        groups.set(key, list);
      }
    }
  }
  for (const list of groups.values()) {
    const max = list[0]?.route.group_max_alerts ?? 10;
    for (let i = 0; i < list.length; i += max) {
      const chunk = list.slice(i, i + max);
      const first = chunk[0] as PlannedDelivery;
      result.messages.push({
        messageId: messageIdOf(chunk.map((d) => d.deliveryId)),
        channel: first.channel,
        kind: first.kind,
        deliveries: chunk,
      });
    }
  }
  return result;
}

/**
 * The notifications an alert still owes a channel. `quiet`: it is silenced or inhibited now.
 * Resolving while quiet: an alert the channel was told about gets its resolved notice
 * (silences mute news of trouble, not the all-clear for trouble already announced); one
 * that fired and resolved entirely while quiet gets a single resolved notice and never a
 * firing one (with send_resolved: false, nothing).
 */
function dueKinds(
  alert: AlertView,
  channel: string,
  route: Route,
  done: ReadonlySet<string>,
  now: number,
  quiet = false,
): { kind: NotificationKind; kindKey: string }[] {
  const firingDone = done.has(deliveryIdOf(alert.fingerprint, channel, 'firing'));
  const resolvedDone = done.has(deliveryIdOf(alert.fingerprint, channel, 'resolved'));
  if (
    alert.effective_status === 'resolved' &&
    (resolvedDone || (quiet && !firingDone && !route.send_resolved))
  )
    return [];
  if (alert.effective_status === 'resolved' && quiet && !firingDone)
    return [{ kind: 'resolved', kindKey: 'resolved' }];
  // Even an alert resolved before it could be announced is announced: a chat outage delays
  // alerts, it does not lose them. Its resolved notice follows.
  if (!firingDone) return [{ kind: 'firing', kindKey: 'firing' }];
  if (alert.effective_status === 'resolved') {
    if (route.send_resolved) return [{ kind: 'resolved', kindKey: 'resolved' }];
    return [];
  }
  if (alert.effective_status === 'firing' && route.repeat_interval_s > 0) {
    const n = Math.floor((now - chTimeMs(alert.detected_at)) / (route.repeat_interval_s * 1000));
    if (n >= 1 && !done.has(deliveryIdOf(alert.fingerprint, channel, `repeat-${n}`)))
      return [{ kind: 'repeat', kindKey: `repeat-${n}` }];
  }
  return [];
}

const DAY_INDEX: Record<string, MuteWindow['days'][number]> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};
const PREVIOUS_DAY: Record<string, MuteWindow['days'][number]> = {
  mon: 'sun',
  tue: 'mon',
  wed: 'tue',
  thu: 'wed',
  fri: 'thu',
  sat: 'fri',
  sun: 'sat',
};

/** Whether one of the route's mute windows is open at `now` (each in its own time zone). */
export function inMuteWindow(route: Pick<Route, 'mute_windows'>, now: number): boolean {
  return route.mute_windows.some((w) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: w.tz,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(new Date(now))
        .map((p) => [p.type, p.value]),
    );
    const day = DAY_INDEX[parts.weekday as string] as MuteWindow['days'][number];
    const at = `${parts.hour}:${parts.minute}`;
    const onDay = (d: MuteWindow['days'][number]) => w.days.length === 0 || w.days.includes(d);
    if (w.start < w.end) return onDay(day) && at >= w.start && at < w.end;
    // Past midnight: the evening part belongs to today, the morning part to the day before.
    return (
      (onDay(day) && at >= w.start) || (onDay(PREVIOUS_DAY[day] as MuteWindow['days'][number]) && at < w.end)
    );
  });
}
