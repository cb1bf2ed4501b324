import { describe, expect, it } from 'vitest';
import { isDuplicate, RecentKeys } from './dedupe.js';
import { contentHash } from './item.js';

describe('de-duplication', () => {
  it('treats a seen URL or a seen content hash as a duplicate', () => {
    const recent = new RecentKeys(100);
    const hash = contentHash({ title: 'BTC up', text: 'a  story' });
    expect(isDuplicate(recent, { url: 'https://a.test/1', hash })).toBe(false);
    // Same story, other link; whitespace and case do not change the hash.
    expect(
      isDuplicate(recent, {
        url: 'https://b.test/9',
        hash: contentHash({ title: 'btc UP', text: 'a story' }),
      }),
    ).toBe(true);
    // Same link, edited story.
    expect(
      isDuplicate(recent, { url: 'https://a.test/1', hash: contentHash({ title: 'x', text: 'y' }) }),
    ).toBe(true);
    expect(isDuplicate(recent, { url: '', hash: contentHash({ title: 'new', text: '' }) })).toBe(false);
  });

  it('keeps memory bounded, forgetting the least recently seen key first', () => {
    const recent = new RecentKeys(3);
    for (const k of ['a', 'b', 'c']) recent.add(k);
    expect(recent.has('a')).toBe(true); // refreshes a
    recent.add('d'); // evicts b
    expect(recent.size).toBe(3);
    expect(recent.has('b')).toBe(false);
    expect(recent.has('a')).toBe(true);
  });
});
