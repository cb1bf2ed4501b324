import { simulatedMention } from '../mentions.js';
import type { Scenario } from './scenario.js';

const WINDOW_MS = 30 * 60_000;

/**
 * Negative buzz: negative mentions of one token more than triple (up over 200%) within
 * 30 minutes compared with the 30 minutes before. The spike is sized from the baseline
 * the simulation actually produced, so the label holds whatever the background did.
 */
export const negativeBuzz: Scenario = {
  name: 'negative-buzz',
  description: 'negative mentions of a token up more than 200% within 30 minutes',
  start(h, time) {
    const token = h.rng.pick([...h.exchange.markets.values()]).token;
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
};
