import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMentionExtractor, loadSynonyms } from './mentions.js';

const extract = createMentionExtractor(
  loadSynonyms(fileURLToPath(new URL('./synonyms.json', import.meta.url))),
);

describe('mention extraction', () => {
  it('finds cashtags, names and capitalised tickers, first naming kept', () => {
    const found = extract('Bitcoin rallies as $BTC tops 100k; BTC dominance up, ethereum lags');
    expect(found).toEqual([
      { token: 'BTC', matchedTerm: 'Bitcoin', count: 3 },
      { token: 'ETH', matchedTerm: 'ethereum', count: 1 },
    ]);
  });

  it('takes unknown cashtags as tokens, and maps ticker aliases to their token', () => {
    expect(extract('$WIF and $xbt')).toEqual([
      { token: 'WIF', matchedTerm: '$WIF', count: 1 },
      { token: 'BTC', matchedTerm: '$xbt', count: 1 },
    ]);
  });

  it('ignores amounts, lower-case ticker words and words containing a name', () => {
    expect(extract('Paid $5 and US$20; link the dot, sol y sombra; bitcoiner memes')).toEqual([]);
  });

  it('matches multi-word names across whitespace', () => {
    expect(extract('Shiba\nInu holders cheer')).toEqual([
      { token: 'SHIB', matchedTerm: 'Shiba\nInu', count: 1 },
    ]);
  });
});
