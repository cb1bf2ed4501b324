import type { z } from 'zod';
import { contract } from './contract.js';
import { envelopeFields } from './envelope.js';
import { between, epochMs, httpUrl, LOW_CARDINALITY, oneOf, pattern, text, whole } from './fields.js';
import { DAY_MS, storedTopic } from './topic-spec.js';

/** A token as the crowd names it, upper-case: BTC, ETH, PEPE. */
const token = () =>
  pattern(/^[A-Z0-9]{2,15}$/, 'an upper-case token such as BTC is required', LOW_CARDINALITY);
export const tokenSchema = token().zod;

/** Where an item was read: the transport, not the outlet (the outlet is `source_name`). */
export const socialSourceKinds = ['rss', 'atom', 'json', 'replay', 'simulator'] as const;

/** Which scorer produced `sentiment`: the configured LLM endpoint or the local lexicon. */
export const sentimentScorers = ['llm', 'lexicon'] as const;

/**
 * One token mentioned in one item (a news article, a post). An item naming three tokens
 * gives three events sharing `content_hash`. Flat fields, as the envelope, so the Kafka
 * engine reads them as columns.
 */
export const socialMentionContract = contract({
  ...envelopeFields('social.mention'),
  /** When the source published the item (`occurred_at` is the same instant; this keeps it named). */
  published_at: epochMs(),
  token: token(),
  source_kind: oneOf(socialSourceKinds),
  /** The outlet or feed, e.g. `coindesk` or `sim-forum`. */
  source_name: text(1, 64, LOW_CARDINALITY),
  /** The item's link; empty when the source gives none (then `content_hash` identifies it). */
  url: httpUrl(),
  title: text(0, 300),
  /** The start of the item's text: enough to judge a score, not a copy of the article. */
  excerpt: text(0, 1000),
  /** How the token was named in the item: `$BTC`, `bitcoin`, `BTC`. */
  matched_term: text(1, 64),
  /** Times the token is named in the item. */
  mention_count: whole(1),
  /** -1 (very negative) … 1 (very positive). */
  sentiment: between(-1, 1),
  scorer: oneOf(sentimentScorers),
  /** The model behind the score: the LLM's name, or the lexicon package and version. */
  model: text(1, 128),
  /** SHA-256 (hex) of the item's normalised title and text; the de-duplication key with the URL. */
  content_hash: pattern(/^[0-9a-f]{64}$/, 'a hex SHA-256 is required'),
});
export const socialMentionSchema = socialMentionContract.schema;

export type SocialMention = z.infer<typeof socialMentionSchema>;
export type SocialSourceKind = (typeof socialSourceKinds)[number];
export type SentimentScorer = (typeof sentimentScorers)[number];

/** The social family's topics, keyed by token so one token's mentions stay in order. */
export const socialTopics = {
  // A week, as market data: enough to replay into ClickHouse after an outage or a fix.
  socialMentions: storedTopic(
    'social.mentions',
    socialMentionContract,
    (mention) => mention.token,
    3,
    7 * DAY_MS,
  ),
} as const;
