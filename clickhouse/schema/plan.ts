import type { SchemaObject } from './render.js';

/**
 * Turns the difference between the last snapshot and the schema rendered now into the
 * statements of one migration, only for what changed, in the safe order per chain:
 *   1. stop the consumer (drop <fact>_parse_mv: a Kafka table with no view stops reading;
 *      its consumer group keeps its committed offsets),
 *   2. change the tables (new columns by ALTER, a Null or Kafka table re-created),
 *   3. re-create the views that changed or whose table was re-created,
 *   4. re-create the consumer last: it resumes from the committed offsets, so nothing is
 *      read twice and nothing is skipped (same group name; a new group only when the
 *      storage entry's `group` changes).
 * Fact tables keep their data: a column that changes type or disappears is refused here,
 * since that needs a reviewed, hand-written step. The one type change let through is an Enum
 * that only gains values at its end (a new integrity kind, say): every stored value keeps its
 * number, so ClickHouse changes the metadata alone.
 */

export class UnsafeChangeError extends Error {}

const drop = (o: SchemaObject) =>
  o.kind === 'view' || o.kind === 'consumer'
    ? `DROP VIEW IF EXISTS ${o.name} SYNC`
    : `DROP TABLE IF EXISTS ${o.name} SYNC`;

const ENUM = /^(.* Enum(?:8|16)\()(.*)(\).*)$/;

/** `after` is `before` with values appended to its Enum (the same column otherwise). */
export function enumOnlyGrows(before: string, after: string): boolean {
  const was = ENUM.exec(before);
  const now = ENUM.exec(after);
  if (!was || !now) return false;
  return was[1] === now[1] && was[3] === now[3] && (now[2] as string).startsWith(`${was[2]}, `);
}

function alterFact(before: SchemaObject, after: SchemaObject): string[] {
  const old = new Map(before.columns ?? []);
  const statements: string[] = [];
  let previous: string | undefined;
  for (const [name, definition] of after.columns ?? []) {
    const was = old.get(name);
    if (was === undefined) {
      statements.push(
        `ALTER TABLE ${after.name} ADD COLUMN IF NOT EXISTS ${definition}${previous ? ` AFTER ${previous}` : ' FIRST'}`,
      );
    } else if (was !== definition && enumOnlyGrows(was, definition)) {
      statements.push(`ALTER TABLE ${after.name} MODIFY COLUMN ${definition}`);
    } else if (was !== definition) {
      throw new UnsafeChangeError(
        `fact ${after.name}: column ${name} changes from "${was}" to "${definition}"; write that step by hand (a new migration) and re-run`,
      );
    }
    old.delete(name);
    previous = name;
  }
  if (old.size > 0) {
    throw new UnsafeChangeError(
      `fact ${after.name}: columns ${[...old.keys()].join(', ')} would disappear; dropping data needs a hand-written migration`,
    );
  }
  if (before.settings !== after.settings && after.settings) {
    statements.push(`ALTER TABLE ${after.name} MODIFY SETTING ${after.settings}`);
  }
  const rest = (sql: string) => sql.replace(/\(\n[\s\S]*\n\)\n/, '');
  if (statements.length === 0 && rest(before.sql) !== rest(after.sql)) {
    throw new UnsafeChangeError(
      `fact ${after.name}: engine, keys, TTL or indexes change; write that step by hand`,
    );
  }
  return statements;
}

export interface Plan {
  statements: string[];
  chains: string[];
}

export function plan(before: readonly SchemaObject[], after: readonly SchemaObject[]): Plan {
  const old = new Map(before.map((o) => [o.name, o]));
  const changed = (o: SchemaObject) => old.get(o.name)?.sql !== o.sql;
  const chains = [...new Set(after.filter(changed).map((o) => o.chain))];
  const statements: string[] = [];
  for (const chain of chains) {
    const objects = after.filter((o) => o.chain === chain);
    const consumer = objects.find((o) => o.kind === 'consumer');
    const steps: string[] = [`-- ${chain}`];
    if (consumer && old.has(consumer.name)) steps.push(drop(consumer));
    const recreated = new Set<string>();
    for (const o of objects.filter((x) => x.kind === 'queue' || x.kind === 'parsed')) {
      if (!changed(o)) continue;
      if (old.has(o.name)) {
        // Views reading a re-created table go first and come back after it.
        if (o.kind === 'parsed')
          for (const v of objects.filter((x) => x.kind === 'view' && old.has(x.name))) {
            if (!v.name.startsWith('pipeline_')) {
              steps.push(drop(v));
              recreated.add(v.name);
            }
          }
        steps.push(drop(o));
      }
      steps.push(o.sql);
    }
    for (const o of objects.filter((x) => x.kind === 'fact')) {
      const was = old.get(o.name);
      if (!was) steps.push(o.sql);
      else if (changed(o)) steps.push(...alterFact(was, o));
    }
    for (const v of objects.filter((x) => x.kind === 'view')) {
      if (!changed(v) && !recreated.has(v.name)) continue;
      if (old.has(v.name) && !recreated.has(v.name)) steps.push(drop(v));
      steps.push(v.sql);
    }
    if (consumer) steps.push(consumer.sql);
    statements.push(...steps);
  }
  return { statements, chains };
}
