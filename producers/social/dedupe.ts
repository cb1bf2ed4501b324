/**
 * Remembers the last `maxEntries` keys (URLs and content hashes), forgetting the oldest
 * first, so a long-running producer skips re-fetched items without growing forever. A Map
 * keeps insertion order, which is all an LRU of this kind needs.
 */
export class RecentKeys {
  readonly #keys = new Map<string, true>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    if (!(maxEntries > 0)) throw new RangeError('maxEntries must be positive');
    this.#maxEntries = maxEntries;
  }

  has(key: string): boolean {
    if (!this.#keys.has(key)) return false;
    // Seen again: keep it longer, it is still being published.
    this.#keys.delete(key);
    this.#keys.set(key, true);
    return true;
  }

  add(key: string): void {
    this.#keys.delete(key);
    this.#keys.set(key, true);
    while (this.#keys.size > this.#maxEntries) {
      const oldest = this.#keys.keys().next().value as string;
      this.#keys.delete(oldest);
    }
  }

  get size(): number {
    return this.#keys.size;
  }
}

/**
 * An item is a duplicate when its URL or its content hash was seen: the same story under
 * another link, or an edited story under the same link, is not scored twice.
 */
export function isDuplicate(recent: RecentKeys, item: { url: string; hash: string }): boolean {
  const seenUrl = item.url !== '' && recent.has(`url:${item.url}`);
  const seenHash = recent.has(`hash:${item.hash}`);
  if (item.url !== '') recent.add(`url:${item.url}`);
  recent.add(`hash:${item.hash}`);
  return seenUrl || seenHash;
}
