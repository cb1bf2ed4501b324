import { describe, expect, it } from 'vitest';
import { parseFeed } from './feed.js';
import { parseJsonItems } from './json-items.js';

const NOW = Date.UTC(2025, 0, 2);

describe('feed parsing', () => {
  it('reads RSS 2.0 items with CDATA, HTML and RFC 822 dates', () => {
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
      <item><title><![CDATA[Bitcoin & friends]]></title><link>https://news.test/a</link>
        <description>&lt;p&gt;BTC up &amp;amp; away&lt;/p&gt;</description><pubDate>Wed, 01 Jan 2025 10:00:00 GMT</pubDate></item>
      <item><title></title><description></description></item>
    </channel></rss>`;
    const batch = parseFeed(xml, 'news.test', NOW);
    expect(batch.items).toEqual([
      {
        sourceKind: 'rss',
        sourceName: 'news.test',
        url: 'https://news.test/a',
        title: 'Bitcoin & friends',
        text: 'BTC up & away',
        publishedAt: Date.UTC(2025, 0, 1, 10),
      },
    ]);
    expect(batch.problems).toEqual(['news.test: entry 1 has neither title nor text']);
  });

  it('reads Atom entries with alternate links and ISO dates', () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">Solana halted</title>
      <link rel="self" href="https://x.test/self"/><link rel="alternate" href="https://x.test/post"/>
      <summary>SOL outage</summary><updated>2025-01-01T12:00:00Z</updated></entry></feed>`;
    const [item] = parseFeed(xml, 'x.test', NOW).items;
    expect(item).toMatchObject({ sourceKind: 'atom', url: 'https://x.test/post', title: 'Solana halted' });
    expect(item?.publishedAt).toBe(Date.UTC(2025, 0, 1, 12));
  });

  it('reports documents that are not feeds instead of throwing', () => {
    expect(parseFeed('<html><body/></html>', 's', NOW).problems[0]).toMatch(
      /neither an RSS channel nor an Atom feed/,
    );
    expect(parseFeed('', 's', NOW).items).toEqual([]);
  });

  it('reads generic JSON items under a known key, with epoch-second dates and bad rows reported', () => {
    const body = JSON.stringify({
      data: [{ headline: 'ETH up', link: 'ftp://no', created_at: 1_735_725_600 }, 42, { id: 1 }],
    });
    const batch = parseJsonItems(body, 'api', NOW);
    expect(batch.items).toEqual([
      {
        sourceKind: 'json',
        sourceName: 'api',
        url: '',
        title: 'ETH up',
        text: '',
        publishedAt: 1_735_725_600_000,
      },
    ]);
    expect(batch.problems).toHaveLength(2);
    expect(parseJsonItems('{', 'api', NOW).problems[0]).toMatch(/not JSON/);
  });
});
