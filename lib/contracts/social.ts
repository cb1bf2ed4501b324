import { z } from 'zod';
import { envelopeShape, epochMsSchema } from './envelope.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/** A token as the crowd names it, upper-case: BTC, ETH, PEPE. */
export const tokenSchema = z.string().regex(/^[A-Z0-9]{2,15}$/, 'an upper-case token such as BTC');

/** Where an item was read: the transport, not the outlet (the outlet is `source_name`). */
export const socialSourceKinds = ['rss', 'atom', 'json', 'replay', 'simulator'] as const;

/** Which scorer produced `sentiment`: the configured LLM endpoint or the local lexicon. */
export const sentimentScorers = ['llm', 'lexicon'] as const;

/**
 * One token mentioned in one item (a news article, a post). An item naming three tokens
 * gives three events sharing `content_hash`. Flat fields, as the envelope, so the Kafka
 * engine reads them as columns.
 */
export const socialMentionSchema = z.object({
  ...envelopeShape,
  type: z.literal('social.mention'),
  schema_version: z.literal(1),
  token: tokenSchema,
  source_kind: z.enum(socialSourceKinds),
  /** The outlet or feed, e.g. `coindesk` or `sim-forum`. */
  source_name: z.string().min(1).max(64),
  /** The item's link; empty when the source gives none (then `content_hash` identifies it). */
  url: z
    .string()
    .max(2048)
    .regex(/^(https?:\/\/\S+)?$/, 'an http(s) URL or empty'),
  title: z.string().max(300),
  /** The start of the item's text: enough to judge a score, not a copy of the article. */
  excerpt: z.string().max(1000),
  /** How the token was named in the item: `$BTC`, `bitcoin`, `BTC`. */
  matched_term: z.string().min(1).max(64),
  /** Times the token is named in the item. */
  mention_count: z.number().int().positive(),
  /** -1 (very negative) … 1 (very positive). */
  sentiment: z.number().finite().min(-1).max(1),
  scorer: z.enum(sentimentScorers),
  /** The model behind the score: the LLM's name, or the lexicon package and version. */
  model: z.string().min(1).max(128),
  /** SHA-256 (hex) of the item's normalised title and text; the de-duplication key with the URL. */
  content_hash: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256'),
  /** When the source published the item (`occurred_at` is the same instant; this keeps it named). */
  published_at: epochMsSchema,
});

export type SocialMention = z.infer<typeof socialMentionSchema>;
export type SocialSourceKind = (typeof socialSourceKinds)[number];
export type SentimentScorer = (typeof sentimentScorers)[number];

/** The social family's topics, keyed by token so one token's mentions stay in order. */
export const socialTopics = {
  socialMentions: {
    name: 'social.mentions',
    schema: socialMentionSchema,
    key: (mention: SocialMention) => mention.token,
    partitions: 3,
    // A week, as market data: enough to replay into ClickHouse after an outage or a fix.
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<SocialMention>,
} as const;
