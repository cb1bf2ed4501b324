import { newEventId } from '../../lib/contracts/envelope.js';
import type { SocialMention } from '../../lib/contracts/social.js';
import { isDuplicate, type RecentKeys } from './dedupe.js';
import { contentHash, type SourceItem } from './item.js';
import type { TokenMention } from './mentions.js';
import type { Scorer } from './scorers/scorer.js';

export interface BuildDeps {
  extract: (text: string) => TokenMention[];
  scorer: Scorer;
  recent: RecentKeys;
  /** The `source` envelope field: this producer's instance name. */
  source: string;
  now?: () => number;
}

export interface BuildResult {
  mentions: SocialMention[];
  duplicates: number;
  /** Items that name no token: read, not scored (scoring costs money). */
  withoutTokens: number;
}

/** Clips to `max` UTF-16 units without splitting a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Items → mention events: drops items already seen (URL or content hash), finds the
 * tokens each names, scores the items that name one (one score per item, shared by its
 * tokens: the scorer judges the text, not each token separately) and builds one event
 * per (item, token).
 */
export async function buildMentions(items: readonly SourceItem[], deps: BuildDeps): Promise<BuildResult> {
  const now = deps.now ?? Date.now;
  let duplicates = 0;
  let withoutTokens = 0;
  const fresh: Array<{ item: SourceItem; hash: string; tokens: TokenMention[] }> = [];
  for (const item of items) {
    const hash = contentHash(item);
    if (isDuplicate(deps.recent, { url: item.url, hash })) {
      duplicates += 1;
      continue;
    }
    const tokens = deps.extract(`${item.title}\n${item.text}`);
    if (tokens.length === 0) withoutTokens += 1;
    else fresh.push({ item, hash, tokens });
  }
  const scores = await deps.scorer.score(fresh.map(({ item }) => `${item.title}. ${item.text}`));
  const mentions: SocialMention[] = fresh.flatMap(({ item, hash, tokens }, i) => {
    const score = scores[i];
    if (!score) return [];
    const producedAt = now();
    return tokens.map((token) => ({
      event_id: newEventId(producedAt),
      type: 'social.mention' as const,
      source: deps.source,
      schema_version: 1 as const,
      // A feed may date an item in the future (time zones) or before 2000 (bad data): the
      // envelope keeps a sane instant and `published_at` the same, clamped, for honesty.
      occurred_at: Math.min(Math.max(item.publishedAt, 946_684_800_000), producedAt),
      published_at: Math.min(Math.max(item.publishedAt, 946_684_800_000), producedAt),
      produced_at: producedAt,
      token: token.token,
      source_kind: item.sourceKind,
      source_name: clip(item.sourceName, 64),
      url: item.url,
      title: clip(item.title, 300),
      excerpt: clip(item.text, 1000),
      matched_term: token.matchedTerm,
      mention_count: token.count,
      sentiment: score.sentiment,
      scorer: score.scorer,
      model: clip(score.model, 128),
      content_hash: hash,
    }));
  });
  return { mentions, duplicates, withoutTokens };
}
