import { simulatedMention } from '../mentions.js';
import { defineScenario } from './scenario.js';

const WINDOW_MS = 30 * 60_000;

/**
 * Negative buzz: negative mentions of one token more than triple (up over 200%) within
 * 30 minutes compared with the 30 minutes before. The spike is sized from the baseline
 * the simulation actually produced, so the label holds whatever the background did.
 */
export const negativeBuzz = defineScenario(
  'negative-buzz',
  'negative mentions of a token up more than 200% within 30 minutes',
  (h, time) => {
    const token = h.market(undefined, true).token;
    const baseline = h.negativeMentions(token, time - WINDOW_MS, time);
    const spike = Math.max(30, 4 * baseline + 10);
    const spreadMs = h.rng.int(60_000, 120_000);
    h.label('token', token, {
      baseline_negative_30m: baseline,
      spike_negative_mentions: spike,
      spread_ms: spreadMs,
    });
    for (let i = 0; i < spike; i += 1) {
      h.at(Math.floor((i * spreadMs) / spike), (t) => [
        simulatedMention(h.exchange, h.rng, t, token, 'negative'),
      ]);
    }
  },
);

/**
 * Negative control for negative-buzz: a bad day for the whole market, negative mentions of
 * every token at once, none of them singled out: each token's count stays under the rule's
 * minimum volume (12 on the labelled token, 6 on each other), so nothing token-specific is news.
 */
export const marketWideGloom = defineScenario(
  'market-wide-gloom',
  'negative control: negative mentions of every token at once, none singled out',
  (h) => {
    const token = h.market(undefined, true).token;
    const others = [...h.exchange.markets.values()].map((m) => m.token).filter((t) => t !== token);
    const spreadMs = 60_000;
    const mentions = [...Array<string>(12).fill(token), ...others.flatMap((t) => Array<string>(6).fill(t))];
    h.label('token', token, { own_negative_mentions: 12, per_other_token: 6, spread_ms: spreadMs });
    mentions.forEach((t, i) => {
      h.at(Math.floor((i * spreadMs) / mentions.length), (at) => [
        simulatedMention(h.exchange, h.rng, at, t, 'negative'),
      ]);
    });
  },
);
