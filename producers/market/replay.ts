import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../../lib/log.js';
import { sleep } from '../../lib/time.js';
import { createVenueContext } from './connector.js';
import type { MarketMetrics } from './metrics.js';
import { readRecording, restKey } from './recording.js';
import type { Sink } from './sink.js';
import type { VenueAdapter, VenueDefinition } from './venue.js';

/**
 * Plays a recording into the pipeline through the same venue adapters as the live feed:
 * at the recorded pace (speed 1), N times faster, or as fast as the sink takes it ('max').
 * REST replies recorded beside the frames answer the adapters' REST calls (book snapshots).
 * With `rebase`, every time in the recording is shifted so its first line is "now": a
 * sample recorded long ago lands inside the facts' TTL and reads as a fresh feed.
 * Speed 'clock' plays each line at its own recorded time: lines stamped in the past at once,
 * the rest as the wall clock reaches them (a tape generated around "now", replayed live).
 */

export interface ReplayOptions {
  file: string;
  speed: number | 'max' | 'clock';
  rebase: boolean;
  venues: Readonly<Record<string, VenueDefinition>>;
  sink: Sink;
  metrics: MarketMetrics;
  log: Logger;
  depthSnapshotLimit?: number;
}

export interface ReplayReport {
  frames: number;
  restReplies: number;
  skippedLines: number;
  elapsedMs: number;
  venues: string[];
}

/** Room the sink must have before the next frame: a frame can carry many trades or a whole book. */
const FRAME_HEADROOM = 1000;

export async function replayRecording(options: ReplayOptions): Promise<ReplayReport> {
  const { sink, metrics, log } = options;
  const adapters = new Map<string, VenueAdapter>();
  const rest = new RestReplies();
  const report: ReplayReport = { frames: 0, restReplies: 0, skippedLines: 0, elapsedMs: 0, venues: [] };
  const started = Date.now();
  let firstT: number | undefined;
  let offset = 0;

  const adapterFor = (venueId: string): VenueAdapter | undefined => {
    const existing = adapters.get(venueId);
    if (existing) return existing;
    const venue = options.venues[venueId];
    if (!venue) return undefined;
    const ctx = createVenueContext({
      venue,
      sink,
      metrics,
      log: log.child({ venue: venue.id, replay: options.file }),
      fetchJson: (url) => rest.take(venueId, restKey(url)),
      clockOffsetMs: offset,
    });
    const adapter = venue.create({
      symbols: [],
      wsUrl: '',
      restUrl: '',
      depthSnapshotLimit: options.depthSnapshotLimit ?? 1000,
      ctx,
    });
    adapters.set(venueId, adapter);
    report.venues.push(venueId);
    return adapter;
  };

  let sinceYield = 0;
  for await (const line of readRecording(options.file, (n, reason) => {
    report.skippedLines += 1;
    log.warn({ line: n, reason }, 'recording line skipped');
  })) {
    if (firstT === undefined) {
      firstT = line.t;
      offset = options.rebase ? started - line.t : 0;
    }
    if (options.speed === 'clock') {
      const ahead = line.t - Date.now();
      if (ahead > 2) await sleep(ahead);
    } else if (options.speed !== 'max') {
      const due = started + (line.t - firstT) / options.speed;
      const ahead = due - Date.now();
      if (ahead > 2) await sleep(ahead);
    }
    if ('rest' in line) {
      report.restReplies += 1;
      rest.put(line.venue, line.rest, line.body);
      continue;
    }
    const adapter = adapterFor(line.venue);
    if (!adapter) {
      report.skippedLines += 1;
      continue;
    }
    if (!sink.hasRoom(FRAME_HEADROOM)) await sink.whenWritable(FRAME_HEADROOM);
    metrics.frames.inc({ venue: line.venue });
    adapter.onFrame(line.frame, line.t + offset);
    report.frames += 1;
    // Let REST replies, Kafka acknowledgements and timers run between frames.
    if (++sinceYield >= 256) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  rest.closeAll();
  for (const adapter of adapters.values()) adapter.close();
  report.elapsedMs = Date.now() - started;
  return report;
}

/** Recorded REST replies, handed out in recorded order to the requests that match them. */
class RestReplies {
  readonly #ready = new Map<string, string[]>();
  readonly #waiting = new Map<
    string,
    Array<{ resolve: (body: unknown) => void; reject: (err: Error) => void }>
  >();

  put(venue: string, key: string, body: string): void {
    const id = `${venue} ${key}`;
    const waiter = this.#waiting.get(id)?.shift();
    if (waiter) {
      parseInto(body, waiter);
      return;
    }
    const list = this.#ready.get(id) ?? [];
    list.push(body);
    this.#ready.set(id, list);
  }

  take(venue: string, key: string): Promise<unknown> {
    const id = `${venue} ${key}`;
    return new Promise((resolve, reject) => {
      const body = this.#ready.get(id)?.shift();
      if (body !== undefined) {
        parseInto(body, { resolve, reject });
        return;
      }
      const list = this.#waiting.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiting.set(id, list);
    });
  }

  /** The recording ended: requests it never answered fail like a venue that never replied. */
  closeAll(): void {
    for (const [id, list] of this.#waiting) {
      for (const waiter of list) waiter.reject(new Error(`the recording has no reply for ${id}`));
    }
    this.#waiting.clear();
  }
}

function parseInto(
  body: string,
  waiter: { resolve: (body: unknown) => void; reject: (err: Error) => void },
): void {
  try {
    waiter.resolve(JSON.parse(body));
  } catch (err) {
    waiter.reject(new Error(`recorded REST reply is not JSON: ${String(err)}`));
  }
}
