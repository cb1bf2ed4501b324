import { createHash } from 'node:crypto';
import type { SocialSourceKind } from '../../lib/contracts/social.js';

/** One article or post as a source gives it, before mentions and scores. */
export interface SourceItem {
  sourceKind: SocialSourceKind;
  sourceName: string;
  /** The item's link, or '' when the source has none. */
  url: string;
  title: string;
  /** Plain text (markup removed). */
  text: string;
  /** When the source published it (ms); the fetch time when the source does not say. */
  publishedAt: number;
}

/** A source's answer: the items it could read, and why it skipped the others. */
export interface SourceBatch {
  items: SourceItem[];
  problems: string[];
}

/** Tags and entities out, whitespace collapsed: feeds put HTML in descriptions. */
export function plainText(value: string): string {
  return value
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * SHA-256 of the normalised title and text: the same story syndicated under two URLs, or
 * re-fetched with different whitespace, hashes the same.
 */
export function contentHash(item: Pick<SourceItem, 'title' | 'text'>): string {
  const normalised = `${item.title}\n${item.text}`.toLowerCase().replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normalised).digest('hex');
}

/** Only http(s) links are kept; anything else becomes '' and the content hash identifies the item. */
export function cleanUrl(value: unknown): string {
  if (typeof value !== 'string') return '';
  const trimmed = value.trim();
  return /^https?:\/\/\S+$/.test(trimmed) && trimmed.length <= 2048 ? trimmed : '';
}

/** A date in any form feeds use (RFC 822, ISO 8601, epoch s or ms), or undefined. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Epoch seconds are common in JSON APIs; ms are what we keep.
    return value < 100_000_000_000 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return parseTime(Number(value));
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
