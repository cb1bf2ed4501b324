import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';

/**
 * The synonyms dictionary: per token, names matched case-insensitively ("bitcoin") and
 * tickers matched only as written in capitals ("BTC"), because many tickers are ordinary
 * words in lower case ("link", "dot", "sol").
 */
export const synonymsSchema = z.record(
  z.string().regex(/^[A-Z0-9]{2,15}$/, 'an upper-case token'),
  z.object({
    names: z.array(z.string().min(2)).default([]),
    tickers: z.array(z.string().min(2)).default([]),
  }),
);
export type Synonyms = z.infer<typeof synonymsSchema>;

export function loadSynonyms(path: string): Synonyms {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, `synonyms file ${path}: not readable JSON`, {
      cause: err,
    });
  }
  const parsed = synonymsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      `synonyms file ${path}: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

export interface TokenMention {
  token: string;
  /** The first way the item named it: `$BTC`, `bitcoin`, `BTC`. */
  matchedTerm: string;
  count: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Cashtags: `$` then a letter, 2–10 characters, not inside a word or an amount ("$5", "US$"). */
const CASHTAG = /(?<![\w$])\$([A-Za-z][A-Za-z0-9]{1,9})\b/g;

/**
 * Finds the tokens an item names. Cashtags count for any token (the crowd names new ones
 * before any dictionary does); names and bare tickers come from the dictionary.
 */
export function createMentionExtractor(synonyms: Synonyms): (text: string) => TokenMention[] {
  const patterns = Object.entries(synonyms).flatMap(([token, { names, tickers }]) => [
    ...names.map((name) => ({
      token,
      regex: new RegExp(`(?<![\\w$])${escapeRegExp(name).replace(/ /g, '\\s+')}(?!\\w)`, 'gi'),
    })),
    ...tickers.map((ticker) => ({
      token,
      regex: new RegExp(`(?<![\\w$])${escapeRegExp(ticker)}(?!\\w)`, 'g'),
    })),
  ]);
  const aliases = new Map<string, string>();
  for (const [token, { tickers }] of Object.entries(synonyms)) {
    for (const ticker of tickers) aliases.set(ticker.toUpperCase(), token);
  }
  return (text) => {
    const hits: Array<{ token: string; term: string; index: number }> = [];
    for (const match of text.matchAll(CASHTAG)) {
      const symbol = (match[1] as string).toUpperCase();
      hits.push({ token: aliases.get(symbol) ?? symbol, term: match[0], index: match.index });
    }
    for (const { token, regex } of patterns) {
      for (const match of text.matchAll(regex)) hits.push({ token, term: match[0], index: match.index });
    }
    // In reading order, so `matchedTerm` is how the item first named the token.
    hits.sort((a, b) => a.index - b.index);
    const found = new Map<string, TokenMention>();
    for (const hit of hits) {
      const seen = found.get(hit.token);
      if (seen) seen.count += 1;
      else found.set(hit.token, { token: hit.token, matchedTerm: hit.term.slice(0, 64), count: 1 });
    }
    return [...found.values()];
  };
}
