import { CompressionTypes, type Kafka } from 'kafkajs';
import { sendRaw } from '../lib/kafka/send-raw.js';
import { eventMix } from './event-mix.js';
import { latestResult } from './report.js';

/**
 * Background ingest for the alert benchmark (issue 19: alert latency "with the ingest running
 * at 50 % of its maximum rate"): the warehouse mix (bench/event-mix.ts, every family the facts
 * and rollups read) sent as raw JSON to the stack's own topics at a fixed rate, beside the
 * simulator's scenarios. The rules then evaluate while ClickHouse parses, inserts, merges and
 * rolls up that flow, and read its rows in their windows as they would in production.
 */

interface WarehouseResult {
  ingest?: { kafka?: { rowsPerSecond?: number } };
}

/** Half the Kafka-path ingest rate of the newest warehouse benchmark result, if there is one. */
export function halfOfMeasuredIngest(): { rate: number; source: string } | undefined {
  const latest = latestResult<WarehouseResult>('warehouse');
  const max = latest?.body.ingest?.kafka?.rowsPerSecond;
  if (!latest || max === undefined || !Number.isFinite(max) || max <= 0) return undefined;
  return { rate: Math.round(max / 2), source: `half of ${Math.round(max)} rows/s in ${latest.file}` };
}

export interface IngestLoad {
  /** Stops sending; what was sent, and how far behind the schedule the sender ever fell. */
  stop(): Promise<{ sent: number; seconds: number; rate: number; maxBehind: number }>;
}

const TICK_MS = 100;

/**
 * Sends the mix at `rate` events/s until stopped: every tick, what the schedule says is due
 * (one sendBatch over the mix's topics, gzip, acks=all like the producers). A slow send makes
 * the next tick larger, up to one second's worth: past that the rest is not sent, the achieved
 * rate falls below the asked one and `maxBehind` says by how much the sender fell behind. The
 * mix (`copies` datasets of ~1,674 events) is cycled.
 */
export async function startIngestLoad(
  kafka: Kafka,
  topicPrefix: string,
  rate: number,
  copies = 40,
): Promise<IngestLoad> {
  const messages = eventMix(copies).flatMap((t) =>
    t.events.map((e) => ({
      topic: `${topicPrefix}${t.spec.name}`,
      key: t.spec.key(e),
      value: JSON.stringify(e),
    })),
  );
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();
  const started = Date.now();
  let sent = 0;
  let next = 0;
  let maxBehind = 0;
  let skipped = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const due = Math.floor(((Date.now() - started) / 1000) * rate) - skipped;
      maxBehind = Math.max(maxBehind, due - sent);
      // More than a second behind: the machine cannot take the rate; the backlog is dropped
      // (never sent in a burst) and the achieved rate reported is what was really sent.
      if (due - sent > rate) skipped += due - sent - rate;
      const n = Math.min(due - sent, rate);
      if (n > 0) {
        const batch = Array.from({ length: n }, () => {
          const m = messages[next] as (typeof messages)[number];
          next = (next + 1) % messages.length;
          return m;
        });
        await sendRaw(producer, batch, CompressionTypes.GZIP);
        sent += n;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await producer.disconnect();
      const seconds = (Date.now() - started) / 1000;
      return { sent, seconds, rate: sent / seconds, maxBehind };
    },
  };
}
