import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';

/**
 * Recordings of raw venue traffic: gzip-compressed JSON lines, one per frame or REST reply,
 * in arrival order. Frames are kept byte for byte as the venue sent them, so a replay runs
 * the very same parsing, sequence checks and normalisation as the live feed.
 *   {"t": 1718000000123, "venue": "binance", "frame": "{\"stream\":…}"}
 *   {"t": 1718000000456, "venue": "binance", "rest": "/fapi/v1/depth?symbol=BTCUSDT&limit=1000", "body": "{…}"}
 */
export type RecordedLine =
  | { t: number; venue: string; frame: string }
  | { t: number; venue: string; rest: string; body: string };

export class Recorder {
  readonly #gzip: Gzip;
  readonly #file: WriteStream;
  #lines = 0;

  constructor(path: string) {
    this.#gzip = createGzip();
    this.#file = createWriteStream(path);
    this.#gzip.pipe(this.#file);
  }

  get lines(): number {
    return this.#lines;
  }

  frame(venue: string, t: number, frame: string): void {
    this.#write({ t, venue, frame });
  }

  /** A REST reply, keyed by path and query so a replay can answer the same request from any host. */
  rest(venue: string, t: number, url: string, body: string): void {
    this.#write({ t, venue, rest: restKey(url), body });
  }

  async close(): Promise<void> {
    this.#gzip.end();
    await once(this.#file, 'close');
  }

  #write(line: RecordedLine): void {
    this.#lines += 1;
    // Recording is best effort against memory: gzip buffers what the disk has not taken yet,
    // which at venue rates (kilobytes per second) stays small.
    this.#gzip.write(`${JSON.stringify(line)}\n`);
  }
}

/** The part of a REST URL that identifies the request: path and query, without the host. */
export function restKey(url: string): string {
  const parsed = new URL(url, 'http://recorded');
  return `${parsed.pathname}${parsed.search}`;
}

/** Reads a recording line by line without loading it whole. A bad line is reported, not fatal. */
export async function* readRecording(
  path: string,
  onBadLine: (lineNumber: number, reason: string) => void = () => {},
): AsyncGenerator<RecordedLine> {
  // Large chunks: a replay at full speed otherwise idles waiting for the next small read and inflate.
  const input = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 18 }));
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (text.length === 0) continue;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch (err) {
      onBadLine(n, `invalid JSON: ${String(err)}`);
      continue;
    }
    if (isRecordedLine(line)) yield line;
    else onBadLine(n, 'expected {t, venue, frame} or {t, venue, rest, body}');
  }
}

function isRecordedLine(value: unknown): value is RecordedLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.t !== 'number' || typeof v.venue !== 'string') return false;
  return typeof v.frame === 'string' || (typeof v.rest === 'string' && typeof v.body === 'string');
}
