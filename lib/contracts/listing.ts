import type { z } from 'zod';
import { contract, fixedRule } from './contract.js';
import { envelopeFields } from './envelope.js';
import { epochMs, httpUrl, id, oneOf, text } from './fields.js';
import { symbol, venue } from './market.js';
import { DAY_MS, storedTopic } from './topic-spec.js';
import { asset } from './user.js';

/** What kind of market the announcement opens. */
export const listingMarketTypes = ['spot', 'perpetual', 'futures', 'margin'] as const;

/**
 * An exchange's announcement that it will list an asset: ours (the listing team's back
 * office posts it to the collector), or another venue's whose listings move prices here.
 * `occurred_at` is the moment it was made public, as `announced_at`.
 */
export const listingContract = contract(
  {
    ...envelopeFields('listing.announcement'),
    /** The announcing venue's id of the announcement; a correction reuses it. */
    listing_id: id(),
    /** The exchange that announced the listing, e.g. `tradewatch` (ours) or `binance`. */
    venue: venue(),
    asset: asset(),
    /** The market opened, e.g. NOVAUSDT. */
    symbol: symbol(),
    market_type: oneOf(listingMarketTypes),
    /** When it was made public: the line between "before" and "after" for insider trading. */
    announced_at: epochMs(),
    /** When trading opens (or deposits, for a listing that opens them first). */
    effective_at: epochMs(),
    title: text(1, 300),
    url: httpUrl(),
  },
  [
    fixedRule(
      'effective_at',
      'must not be before announced_at',
      'effective_at < announced_at',
      (l) => l.effective_at < l.announced_at,
    ),
  ],
);
export const listingSchema = listingContract.schema;
export type ListingAnnouncement = z.infer<typeof listingSchema>;

/** Listing announcements, keyed by asset so one asset's announcements stay in order. */
export const listingTopics = {
  // A few a day: a month costs nothing and covers the rule's look-back on a replay.
  listings: storedTopic('listings', listingContract, (listing) => listing.asset, 1, 30 * DAY_MS),
} as const;
