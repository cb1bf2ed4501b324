import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import type { Score, Scorer } from './scorer.js';

/**
 * Crypto vocabulary the AFINN list lacks or reads wrongly ("moon" is neutral there,
 * "hodl" unknown), on AFINN's -5..5 scale. Kept short and literal: each entry is a word
 * traders use with a clear direction.
 */
export const CRYPTO_TERMS: Readonly<Record<string, number>> = {
  moon: 3,
  mooning: 3,
  bullish: 3,
  bull: 2,
  rally: 2,
  rallies: 2,
  surge: 2,
  surges: 2,
  soar: 3,
  soars: 3,
  breakout: 2,
  ath: 3,
  hodl: 1,
  adoption: 2,
  approved: 2,
  approval: 2,
  listing: 1,
  partnership: 2,
  upgrade: 1,
  bearish: -3,
  bear: -2,
  dump: -3,
  dumping: -3,
  dumped: -3,
  crash: -3,
  crashes: -3,
  plunge: -3,
  plunges: -3,
  rekt: -3,
  rug: -4,
  rugpull: -5,
  rugged: -4,
  scam: -4,
  ponzi: -4,
  hack: -4,
  hacked: -4,
  exploit: -4,
  exploited: -4,
  drained: -4,
  fud: -2,
  delist: -3,
  delisted: -3,
  delisting: -3,
  insolvent: -4,
  insolvency: -4,
  liquidated: -3,
  liquidation: -2,
  liquidations: -2,
  lawsuit: -2,
  sued: -2,
  sec: -1,
  outage: -2,
  halted: -2,
  depeg: -4,
  depegged: -4,
};

const version = (createRequire(import.meta.url)('sentiment/package.json') as { version: string }).version;

/** The model name recorded on lexicon-scored events: package, version and our additions. */
export const LEXICON_MODEL = `sentiment@${version}+crypto`;

/**
 * The local scorer: AFINN-165 through the `sentiment` package, plus CRYPTO_TERMS. The raw
 * sum is unbounded, so it is squashed into [-1, 1] the way VADER does (x / √(x² + 15)):
 * one mild word gives ±0.25–0.5, a pile of strong ones approaches ±1.
 */
export class LexiconScorer implements Scorer {
  readonly #sentiment = new Sentiment();

  scoreOne(text: string): Score {
    const { score } = this.#sentiment.analyze(text, { extras: { ...CRYPTO_TERMS } });
    return { sentiment: score / Math.sqrt(score * score + 15), scorer: 'lexicon', model: LEXICON_MODEL };
  }

  async score(texts: readonly string[]): Promise<Score[]> {
    return texts.map((text) => this.scoreOne(text));
  }
}
