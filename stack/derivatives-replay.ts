import { join } from 'node:path';
import { type ClickHouseClient, queryNumber } from '../lib/clickhouse/client.js';
import { topics } from '../lib/contracts/topics.js';
import type { EventProducer } from '../lib/kafka/producer.js';
import type { Logger } from '../lib/log.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { sleep, waitFor } from '../lib/time.js';
import { loadMarketConfig } from '../producers/market/config.js';
import {
  derivativesTape,
  type TapeCase,
  type TapeOptions,
  writeTape,
} from '../producers/market/derivatives-tape.js';
import { MarketMetrics, metricValue } from '../producers/market/metrics.js';
import { replayRecording } from '../producers/market/replay.js';
import { KafkaSink } from '../producers/market/sink.js';
import { venues } from '../producers/market/venues/index.js';
import { ReplayStopped, StoppableSink } from './demo/market-replay.js';

/** The facts the Binance and Bybit adapters write from the tape's frames. */
const TAPE_FACTS = ['market_trades', 'market_book_l1', 'market_depth', 'market_mark', 'market_liquidations'];

/** The live derivatives tape: its cases, when they come due, and a stop. */
export interface DerivativesReplay {
  readonly cases: readonly TapeCase[];
  /** Wall time of the tape's `end`: its planted cases fall in the minutes before it. */
  readonly end: number;
  /** Ends the replay at the next frame; what the adapters handed over still reaches Kafka. */
  stop(): Promise<void>;
}

/**
 * Plays the crafted derivatives tape (`producers/market/derivatives-tape.ts`, the one the
 * derivatives rules test replays) live through the real venue adapters and the Kafka sink,
 * built so that its `end` falls `endInMs` from now. Its history (every line stamped before
 * now: 35 minutes of ordinary markets) goes first, at full speed, and this resolves only once
 * that history is in ClickHouse (or `historyTimeoutMs` passed): call it before the rules are
 * installed, so no rule watches a backlog arrive (a market whose history is half-loaded reads
 * as a stale feed). The rest then plays at the wall clock, each line at its own time, in the
 * background; open interest goes to Kafka as the REST poller publishes it, each figure at its time.
 */
export async function startDerivativesReplay(options: {
  producer: EventProducer;
  clickhouse: ClickHouseClient;
  log: Logger;
  dir: string;
  endInMs: number;
  tape?: TapeOptions;
  historyTimeoutMs?: number;
}): Promise<DerivativesReplay> {
  const { producer, log } = options;
  const now = Date.now();
  const tape = derivativesTape(now + options.endInMs, options.tape);
  const historyFile = join(options.dir, 'derivatives-tape-history.jsonl.gz');
  const liveFile = join(options.dir, 'derivatives-tape-live.jsonl.gz');
  await writeTape(
    historyFile,
    tape.lines.filter((l) => l.t <= now),
  );
  await writeTape(
    liveFile,
    tape.lines.filter((l) => l.t > now),
  );
  const market = loadMarketConfig();
  const metrics = new MarketMetrics(createMetricsRegistry('derivatives-tape'));
  const sink = new StoppableSink(
    new KafkaSink({
      producer,
      capacity: market.MARKET_BUFFER_MAX_EVENTS,
      batchMax: market.MARKET_BATCH_MAX_EVENTS,
      metrics,
      log,
    }),
  );
  const replay = (file: string, speed: 'max' | 'clock') =>
    replayRecording({ file, speed, rebase: false, venues, sink, metrics, log });

  await replay(historyFile, 'max');
  const pastInterest = tape.openInterest.filter((e) => e.occurred_at <= now);
  const refused = (await producer.produce(topics.marketOpenInterest, pastInterest)).rejected.length;
  await sink.flush();
  const sent = (await metricValue(metrics.events)) - (await metricValue(metrics.integrity));
  const union = TAPE_FACTS.map((f) => `SELECT event_id FROM ${f}`).join(' UNION ALL ');
  await waitFor(
    'the derivatives tape history in ClickHouse',
    async () =>
      (await queryNumber(options.clickhouse, `SELECT count() FROM (${union})`)) >= sent &&
      (await queryNumber(options.clickhouse, 'SELECT count() FROM market_open_interest')) >=
        pastInterest.length - refused
        ? true
        : undefined,
    { timeoutMs: options.historyTimeoutMs ?? 300_000, intervalMs: 1_000 },
  ).catch((err: unknown) => log.warn({ err }, 'derivatives tape: history not all ingested; going on'));

  let stopping = false;
  const frames = replay(liveFile, 'clock').catch((err: unknown) => {
    if (!(err instanceof ReplayStopped)) log.error({ err }, 'derivatives tape replay failed');
  });
  const openInterest = (async () => {
    for (const event of tape.openInterest.filter((e) => e.occurred_at > now)) {
      while (!stopping && event.occurred_at > Date.now())
        await sleep(Math.min(1_000, event.occurred_at - Date.now()));
      if (stopping) return;
      const outcome = await producer.produce(topics.marketOpenInterest, [event]);
      if (outcome.rejected.length > 0)
        log.error({ rejected: outcome.rejected }, 'derivatives tape: open interest refused');
    }
  })().catch((err: unknown) => log.error({ err }, 'derivatives tape: open interest failed'));
  return {
    cases: tape.cases,
    end: tape.end,
    async stop() {
      stopping = true;
      sink.stop();
      await Promise.all([frames, openInterest]);
      await sink.close();
    },
  };
}
