import { createHash } from 'node:crypto';
import type { Rng } from '../../lib/random.js';
import { LexiconScorer } from '../social/scorers/lexicon.js';
import type { SimEvent, SimExchange } from './exchange.js';

export type Mood = 'positive' | 'negative' | 'neutral';

/** Headlines with `{T}` for the token's cashtag and `{N}` for its name; scored by the real lexicon. */
const TEMPLATES: Record<Mood, readonly string[]> = {
  positive: [
    '{N} rally continues as {T} breaks out to a new high',
    '{T} bullish: analysts see {N} mooning after exchange listing',
    'Whales accumulate {T}; {N} surges on partnership news',
    '{N} adoption grows, {T} soars',
    'Huge upgrade approved for {N}, {T} to the moon',
  ],
  negative: [
    '{N} plunges after exploit drains bridge, {T} holders rekt',
    '{T} crash: {N} team accused of scam and rugpull',
    'Regulator sues {N} foundation; {T} delisting feared',
    '{N} outage halts transfers, {T} dumps',
    'Hacked wallet linked to {N}; {T} liquidations pile up',
  ],
  neutral: [
    '{N} developers publish quarterly report on {T} network',
    '{T} trading volume steady as {N} community votes on proposal',
    'What is {N}? A guide to {T}',
  ],
};

const NAMES: Record<string, string> = {
  BTC: 'Bitcoin',
  ETH: 'Ethereum',
  SOL: 'Solana',
  DOGE: 'Dogecoin',
  PEPE: 'Pepe',
};
const OUTLETS = ['sim-newswire', 'sim-forum', 'sim-socials', 'sim-blog'];

const lexicon = new LexiconScorer();

/**
 * A mention of `token` as the sentiment producer would publish it: a templated headline
 * scored by the same lexicon scorer, so simulated and real mentions carry comparable scores.
 */
export function simulatedMention(
  exchange: SimExchange,
  rng: Rng,
  time: number,
  token: string,
  mood: Mood,
): SimEvent {
  const template = rng.pick(TEMPLATES[mood]);
  const title = template.replaceAll('{T}', `$${token}`).replaceAll('{N}', NAMES[token] ?? token);
  const outlet = rng.pick(OUTLETS);
  const text = `${title}. Posted by user${rng.int(1, 99_999)} on ${outlet}.`;
  const score = lexicon.scoreOne(text);
  const hash = createHash('sha256').update(`${title}\n${text}`.toLowerCase()).digest('hex');
  return {
    topic: 'socialMentions',
    event: {
      ...exchange.envelope(time),
      type: 'social.mention',
      token,
      source_kind: 'simulator',
      source_name: outlet,
      url: `https://${outlet}.example/p/${hash.slice(0, 16)}`,
      title,
      excerpt: text,
      matched_term: `$${token}`,
      mention_count: 2,
      sentiment: score.sentiment,
      scorer: score.scorer,
      model: score.model,
      content_hash: hash,
      published_at: time,
    },
  };
}
