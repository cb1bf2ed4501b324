import { defineScenario, type ScenarioHandle, type ScenarioOutput } from './scenario.js';

/**
 * Faults the Kafka engine consumers themselves raise, for consumer-exceptions. The platform's
 * own chains parse with `kafka_handle_error_mode = 'stream'`: a message they cannot parse is
 * dead-lettered, never an exception. What does raise one, checked on the embedded engine
 * (docs/alerting.md): a Kafka engine table with ClickHouse's default error mode meeting a
 * message it cannot parse — it throws on every poll, retries the same offset and stalls. In
 * production that is a table made by hand beside the generated chains; the detection stack
 * installs one (stack/partner-feed.sql), fed by a partner's exporter through the topic below.
 * Retention overtaking a lagging consumer (offset out of range) and a topic deleted under a
 * consumer were tried too: the first resets silently, the second logs two exceptions once.
 */

/** The hand-made table of stack/partner-feed.sql and the topic (without prefix) it reads. */
export const PARTNER_FEED = { topic: 'partner.fills', table: 'partner_fills_queue' } as const;
/** One of the platform's own chains, which dead-letters what it cannot parse. */
export const OWN_CHAIN = { topic: 'user.browser', table: 'user_browser_actions_queue' } as const;

/**
 * A release of the partner's exporter switches from JSON lines to CSV: `lines` fills as
 * `fill_id,symbol,side,price,qty`, a second apart, bypassing every contract (raw bytes).
 */
const csvRelease = (h: ScenarioHandle, to: { topic: string; table: string }, lines: number): void => {
  // `raw`: how many of the label's events are raw messages, which no fact or dead letter keeps by event id.
  h.label('pipeline', `kafka:${to.table}`, {
    topic: to.topic,
    raw: lines,
    format: 'csv instead of JSON lines',
  });
  for (let i = 0; i < lines; i += 1) {
    const symbol = h.rng.pick(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    const line = `F-${h.rng.int(100_000, 999_999)},${symbol},${h.rng.pick(['buy', 'sell'])},${h.rng.int(10, 90_000)}.5,${h.rng.int(1, 40) / 10}`;
    h.at(i * 1_000, (t): ScenarioOutput[] => [
      {
        topic: 'raw',
        event: { event_id: h.exchange.envelope(t).event_id, occurred_at: t, topic: to.topic, value: line },
      },
    ]);
  }
};

/** Planted for consumer-exceptions: the hand-made table (default error mode) meets CSV and stalls. */
export const poisonMessage = defineScenario(
  'poison-message',
  "a partner exporter release writes CSV lines to a hand-made Kafka table's topic (default error mode): it throws on every poll and stalls",
  (h) => csvRelease(h, PARTNER_FEED, 3),
);

/**
 * Negative control for consumer-exceptions: the same CSV lines reach one of the platform's own
 * chains, which dead-letters them (stream error mode) and raises no consumer exception.
 */
export const deadLetteredLine = defineScenario(
  'dead-lettered-line',
  "negative control: the same CSV lines reach one of the platform's own Kafka tables, which dead-letters them without an exception",
  (h) => csvRelease(h, OWN_CHAIN, 3),
);
