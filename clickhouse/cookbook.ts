import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The analysts' cookbook: the page is the source, its test and benchmark read the SQL from it. */
export const COOKBOOK_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../docs/sql-cookbook.md');

/** Every ```sql block of the cookbook, by the name on its `-- id:` line. */
export function cookbookQueries(markdown = readFileSync(COOKBOOK_PATH, 'utf8')): Map<string, string> {
  const queries = new Map<string, string>();
  for (const [, body = ''] of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const id = /^-- id: ([a-z0-9_]+)$/m.exec(body)?.[1];
    if (!id) throw new Error(`a cookbook query has no "-- id:" line:\n${body}`);
    if (queries.has(id)) throw new Error(`two cookbook queries share the id ${id}`);
    queries.set(id, body);
  }
  return queries;
}
