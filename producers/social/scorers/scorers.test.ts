import { describe, expect, it } from 'vitest';
import { HourlyBudget } from './budget.js';
import { parseScores, userPrompt } from './chat-completions.js';
import { LEXICON_MODEL, LexiconScorer } from './lexicon.js';

describe('lexicon scorer', () => {
  const lexicon = new LexiconScorer();

  it('scores crypto vocabulary in [-1, 1] and names its model', () => {
    const bull = lexicon.scoreOne('BTC mooning, bullish breakout to a new ATH');
    const bear = lexicon.scoreOne('Exchange hacked, funds drained, token delisted: a rugpull');
    expect(bull.sentiment).toBeGreaterThan(0.5);
    expect(bear.sentiment).toBeLessThan(-0.8);
    expect(bear.sentiment).toBeGreaterThanOrEqual(-1);
    expect(lexicon.scoreOne('The token trades on the exchange').sentiment).toBe(0);
    expect(bull).toMatchObject({ scorer: 'lexicon', model: LEXICON_MODEL });
    expect(LEXICON_MODEL).toMatch(/^sentiment@\d+\.\d+\.\d+\+crypto$/);
  });
});

describe('chat-completions replies', () => {
  it('reads scores from JSON, fenced JSON or a bare array, clamping small overshoots', () => {
    expect(parseScores('{"scores":[0.5,-1.2]}', 2)).toEqual([0.5, -1]);
    expect(parseScores('```json\n{"scores": [0.1]}\n```', 1)).toEqual([0.1]);
    expect(parseScores('[0, "0.3"]', 2)).toEqual([0, 0.3]);
  });

  it('refuses replies that do not match the batch', () => {
    expect(parseScores('{"scores":[0.5]}', 2)).toMatch(/1 scores for 2 texts/);
    expect(parseScores('positive', 1)).toMatch(/no JSON/);
    expect(parseScores('{"scores":["high"]}', 1)).toMatch(/not a number/);
  });

  it('numbers the texts one per line', () => {
    expect(userPrompt(['a\nb', 'c'])).toBe('1. a b\n2. c');
  });
});

describe('hourly budget', () => {
  it('allows perHour requests in any rolling hour', () => {
    let now = 0;
    const budget = new HourlyBudget(2, () => now);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, false]);
    now = 3_599_999;
    expect(budget.tryTake()).toBe(false);
    now = 3_600_000;
    expect(budget.tryTake()).toBe(true);
    expect(budget.remaining()).toBe(1);
  });
});
