import { z } from 'zod';
import type { TopicSpec } from '../../lib/contracts/topic-spec.js';
import { unroutedTopic } from '../../lib/contracts/topics.js';
import { malformedStringPath, NOT_WELL_FORMED } from '../../lib/contracts/validate.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { KeyEntry } from './keys.js';
import { type Endpoint, endpointTypes, routes } from './routes.js';

/** One refused item: where it was in the batch, which field, and why. */
export interface ItemError {
  index: number;
  field: string;
  reason: string;
}

export interface IntakeResult {
  accepted: number;
  /** Per event type, for metrics: how many were accepted and refused. */
  byType: Map<string, { accepted: number; rejected: number }>;
  errors: ItemError[];
}

export { unroutedTopic };

/** A spec that refuses everything with one reason, so scope refusals reach `<topic>.dlq` too. */
function refusing(spec: TopicSpec<unknown>, field: string, reason: string): TopicSpec<unknown> {
  const schema = z.unknown().superRefine((_, ctx) => {
    ctx.addIssue({ code: 'custom', path: [field], message: reason });
  });
  return { ...spec, schema: schema as z.ZodType<unknown> };
}

interface Group {
  spec: TopicSpec<unknown>;
  items: unknown[];
  indexes: number[];
  /** Set when the whole group is refused before the contract is checked. */
  refusal?: { field: string; reason: string };
}

/** Deeper than any event's own nesting (api-key permissions are the deepest, at 2). */
export const MAX_ITEM_DEPTH = 32;

/**
 * The index of the first item nested deeper than MAX_ITEM_DEPTH, if any. Walked with a
 * stack, not recursion: a hostile item thousands of levels deep must not overflow the call
 * stack here, nor later when a refused item is serialised for its dead letter.
 */
export function tooDeepItem(events: readonly unknown[]): number | undefined {
  for (const [index, event] of events.entries()) {
    const stack: Array<[unknown, number]> = [[event, 1]];
    while (stack.length > 0) {
      const [value, depth] = stack.pop() as [unknown, number];
      if (typeof value !== 'object' || value === null) continue;
      if (depth > MAX_ITEM_DEPTH) return index;
      for (const child of Object.values(value)) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client's value quoted into a reason, cut short: a reason must never carry a 300 KB echo. */
function capped(value: unknown, max = 64): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Longest reason a client is answered with (the dead letter's header is capped too). */
const REASON_MAX_CHARS = 500;

/** Per-item errors from the contract, one per failing field, as the client should see them. */
function contractErrors(spec: TopicSpec<unknown>, item: unknown, index: number): ItemError[] {
  const parsed = spec.schema.safeParse(item);
  if (parsed.success) {
    const malformed = malformedStringPath(parsed.data);
    return [{ index, field: malformed ?? '(event)', reason: malformed ? NOT_WELL_FORMED : 'refused' }];
  }
  return parsed.error.issues.map((issue) => ({
    index,
    field: (issue.path.length > 0 ? issue.path.join('.') : '(event)').slice(0, REASON_MAX_CHARS),
    reason: issue.message.slice(0, REASON_MAX_CHARS),
  }));
}

/**
 * Sorts a batch into per-topic groups, checking first what the key may send: an item of a
 * type the key is not scoped for, or claiming a source it may not use, is refused with that
 * reason. `produced_at` is stamped here: the collector is the producer of HTTP events.
 */
function groupBatch(endpoint: Endpoint, key: KeyEntry, events: readonly unknown[], now: number): Group[] {
  const groups = new Map<string, Group>();
  const add = (spec: TopicSpec<unknown>, item: unknown, index: number, refusal?: Group['refusal']) => {
    const id = refusal ? `${spec.name}\0${refusal.field}\0${refusal.reason}` : spec.name;
    let group = groups.get(id);
    if (!group) {
      group = { spec, items: [], indexes: [], ...(refusal ? { refusal } : {}) };
      groups.set(id, group);
    }
    group.items.push(item);
    group.indexes.push(index);
  };
  const table = routes[endpoint];
  events.forEach((event, index) => {
    if (!isRecord(event)) {
      add(unroutedTopic, event, index, { field: '(event)', reason: 'expected a JSON object' });
      return;
    }
    const type = event.type;
    const spec = typeof type === 'string' ? table.get(type) : undefined;
    if (!spec) {
      const reason = `expected one of ${endpointTypes(endpoint).join(', ')}, got ${capped(type)}`;
      add(unroutedTopic, event, index, { field: 'type', reason });
      return;
    }
    if (!key.types.includes(type as string)) {
      add(spec, event, index, { field: 'type', reason: `${capped(type)} is not allowed for key ${key.id}` });
      return;
    }
    if (key.sources && !key.sources.includes(event.source as string)) {
      const reason = `${capped(event.source)} is not allowed for key ${key.id}; expected one of ${key.sources.join(', ')}`;
      add(spec, event, index, { field: 'source', reason });
      return;
    }
    add(spec, { ...event, produced_at: now }, index);
  });
  return [...groups.values()];
}

/**
 * Takes one HTTP batch: validates each item against its topic's contract, sends the valid
 * ones and dead-letters the rest (EventProducer does both), and resolves once Kafka has
 * acknowledged every message (acks=all). If Kafka fails, this throws and nothing in the
 * batch should be reported as accepted; the caller retries the batch, and the facts
 * remove the duplicates by event_id.
 */
export async function intake(
  producer: EventProducer,
  endpoint: Endpoint,
  key: KeyEntry,
  events: readonly unknown[],
  now = Date.now(),
): Promise<IntakeResult> {
  const groups = groupBatch(endpoint, key, events, now);
  const outcomes = await Promise.all(
    groups.map((group) =>
      producer.produce(
        group.refusal ? refusing(group.spec, group.refusal.field, group.refusal.reason) : group.spec,
        group.items,
      ),
    ),
  );
  const result: IntakeResult = { accepted: 0, byType: new Map(), errors: [] };
  const tally = (item: unknown, outcome: 'accepted' | 'rejected') => {
    const type =
      isRecord(item) && typeof item.type === 'string' && routes[endpoint].has(item.type)
        ? item.type
        : 'unknown';
    const counts = result.byType.get(type) ?? { accepted: 0, rejected: 0 };
    counts[outcome] += 1;
    result.byType.set(type, counts);
  };
  groups.forEach((group, g) => {
    const outcome = outcomes[g] as Awaited<(typeof outcomes)[number]>;
    result.accepted += outcome.accepted;
    const rejected = new Set(outcome.rejected.map((r) => r.index));
    group.items.forEach((item, local) => {
      const index = group.indexes[local] as number;
      if (!rejected.has(local)) {
        tally(item, 'accepted');
        return;
      }
      tally(item, 'rejected');
      result.errors.push(
        ...(group.refusal ? [{ index, ...group.refusal }] : contractErrors(group.spec, item, index)),
      );
    });
  });
  result.errors.sort((a, b) => a.index - b.index);
  return result;
}
