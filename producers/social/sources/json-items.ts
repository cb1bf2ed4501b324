import type { SocialSourceKind } from '../../../lib/contracts/social.js';
import { messageOf } from '../../../lib/errors.js';
import { cleanUrl, parseTime, plainText, type SourceBatch, type SourceItem } from '../item.js';

type Row = Record<string, unknown>;

/** Field names generic JSON sources use, in the order they are tried. */
const FIELDS = {
  title: ['title', 'headline', 'name'],
  text: ['text', 'body', 'content', 'description', 'summary'],
  url: ['url', 'link', 'href'],
  published: [
    'published_at',
    'publishedAt',
    'published',
    'created_at',
    'createdAt',
    'date',
    'time',
    'timestamp',
  ],
} as const;

function first(row: Row, names: readonly string[]): unknown {
  for (const name of names) if (row[name] !== undefined && row[name] !== null) return row[name];
  return undefined;
}

/** One JSON object as an item, or the reason it cannot be one. */
export function itemFromJson(
  value: unknown,
  sourceKind: SocialSourceKind,
  sourceName: string,
  fetchedAt: number,
): SourceItem | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const row = value as Row;
  const title = plainText(String(first(row, FIELDS.title) ?? ''));
  const text = plainText(String(first(row, FIELDS.text) ?? ''));
  if (title === '' && text === '') return `none of ${[...FIELDS.title, ...FIELDS.text].join(', ')} has text`;
  return {
    sourceKind,
    sourceName,
    url: cleanUrl(first(row, FIELDS.url)),
    title,
    text,
    publishedAt: parseTime(first(row, FIELDS.published)) ?? fetchedAt,
  };
}

/**
 * Items of a generic JSON document: an array of objects, or an object holding one under
 * `items`, `data`, `articles`, `results` or `posts`.
 */
export function parseJsonItems(body: string, sourceName: string, fetchedAt: number): SourceBatch {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { items: [], problems: [`${sourceName}: not JSON: ${messageOf(err)}`] };
  }
  const list = Array.isArray(doc)
    ? doc
    : ['items', 'data', 'articles', 'results', 'posts']
        .map((key) => (doc as Row | null)?.[key])
        .find(Array.isArray);
  if (!Array.isArray(list)) return { items: [], problems: [`${sourceName}: no array of items found`] };
  const batch: SourceBatch = { items: [], problems: [] };
  list.forEach((value, index) => {
    const item = itemFromJson(value, 'json', sourceName, fetchedAt);
    if (typeof item === 'string') batch.problems.push(`${sourceName}: item ${index}: ${item}`);
    else batch.items.push(item);
  });
  return batch;
}
