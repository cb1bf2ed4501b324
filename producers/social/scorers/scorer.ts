import type { SentimentScorer } from '../../../lib/contracts/social.js';

/** A sentiment score in [-1, 1] and what produced it; every event records both. */
export interface Score {
  sentiment: number;
  scorer: SentimentScorer;
  model: string;
}

export interface Scorer {
  /** One score per text, in order. Never rejects for an unreachable model: it falls back. */
  score(texts: readonly string[]): Promise<Score[]>;
}

export const clampUnit = (x: number): number => Math.max(-1, Math.min(1, x));
