import { XMLParser } from 'fast-xml-parser';
import { messageOf } from '../../../lib/errors.js';
import { cleanUrl, parseTime, plainText, type SourceBatch, type SourceItem } from '../item.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // XML entities are decoded by the parser (bounded by its expansion limits); the HTML
  // they often wrap is stripped afterwards by plainText.
  processEntities: true,
  // Text is text: "2024" in a title must not become a number.
  parseTagValue: false,
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
});

type Node = Record<string, unknown>;

/** The text of an element that may be a string, `{ '#text': … }` or CDATA-wrapped. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const node = value as Node;
    if ('#text' in node) return textOf(node['#text']);
    if ('__cdata' in node) return textOf(node.__cdata);
  }
  return '';
}

/** Atom links are `<link href rel>` elements; RSS links are text. Prefer rel="alternate". */
function linkOf(links: unknown): string {
  if (!Array.isArray(links)) return cleanUrl(textOf(links));
  const nodes = links as unknown[];
  const alternate = nodes.find(
    (l) => l && typeof l === 'object' && ((l as Node)['@rel'] ?? 'alternate') === 'alternate',
  );
  const chosen = alternate ?? nodes[0];
  if (chosen && typeof chosen === 'object' && '@href' in (chosen as Node)) {
    return cleanUrl((chosen as Node)['@href']);
  }
  return cleanUrl(textOf(chosen));
}

/**
 * Items of an RSS 2.0 or Atom 1.0 document. A document that is neither, or an entry with
 * neither title nor text, is reported in `problems` and skipped.
 */
export function parseFeed(xml: string, sourceName: string, fetchedAt: number): SourceBatch {
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    return { items: [], problems: [`${sourceName}: not XML: ${messageOf(err)}`] };
  }
  const rss = (doc.rss as Node | undefined)?.channel as Node | undefined;
  const atom = doc.feed as Node | undefined;
  const entries = (rss?.item ?? atom?.entry) as Node[] | undefined;
  if (!rss && !atom)
    return { items: [], problems: [`${sourceName}: neither an RSS channel nor an Atom feed`] };
  const items: SourceItem[] = [];
  const problems: string[] = [];
  for (const [index, entry] of (entries ?? []).entries()) {
    const title = plainText(textOf(entry.title));
    const text = plainText(
      textOf(entry.description ?? entry.summary ?? entry.content ?? entry['content:encoded']),
    );
    if (title === '' && text === '') {
      problems.push(`${sourceName}: entry ${index} has neither title nor text`);
      continue;
    }
    const published = parseTime(
      textOf(entry.pubDate ?? entry.published ?? entry.updated ?? entry['dc:date']),
    );
    items.push({
      sourceKind: rss ? 'rss' : 'atom',
      sourceName,
      url: linkOf(entry.link ?? entry.guid),
      title,
      text,
      publishedAt: published ?? fetchedAt,
    });
  }
  return { items, problems };
}
