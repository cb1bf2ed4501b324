import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { messageOf } from '../../../lib/errors.js';
import type { SourceBatch } from '../item.js';
import { itemFromJson } from './json-items.js';

/**
 * Items from a JSON-lines file (one object per line, the generic JSON fields), for
 * replaying a captured day or a demo script. Bad lines are reported and skipped.
 */
export async function readReplayFile(path: string, sourceName: string, now: number): Promise<SourceBatch> {
  const batch: SourceBatch = { items: [], problems: [] };
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      batch.problems.push(`${path}:${lineNo}: not JSON: ${messageOf(err)}`);
      continue;
    }
    const item = itemFromJson(value, 'replay', sourceName, now);
    if (typeof item === 'string') batch.problems.push(`${path}:${lineNo}: ${item}`);
    else batch.items.push(item);
  }
  return batch;
}
