import type { z } from 'zod';
import { contract } from './contract.js';
import { envelopeFields } from './envelope.js';
import { epochMs, list, oneOf, text, ulid, whole } from './fields.js';
import { DAY_MS, storedTopic } from './topic-spec.js';

/**
 * The scenarios the simulator can inject: patterns the risk rules should catch, and negative
 * controls (legitimate behaviour closest to a pattern, which must not alert).
 */
export const scenarioNames = [
  'account-takeover',
  'wash-trading',
  'spoofing',
  'pump-and-dump',
  'negative-buzz',
  'account-takeover-split',
  'carrier-nat-login',
  'marking-the-close',
  'twap-buyer',
  'self-cross-stale-order',
  'large-bid-requote',
  'market-wide-gloom',
  'wash-ring',
  'unlinked-cycle-traders',
  'insider-before-listing',
  'listing-news-trader',
  'layering',
  'ladder-market-maker',
  'front-running',
  'linked-buy-and-hold',
  'organic-rally',
  'broken-producer',
  'stray-bad-event',
  'late-batch',
  'late-within-tolerance',
  'poison-message',
  'dead-lettered-line',
] as const;

export const labelEntityKinds = ['account', 'token', 'symbol', 'pipeline'] as const;

/**
 * Ground truth written by the simulator: this scenario happened to this entity between
 * these instants, through these events. A detection report joins alerts with labels.
 */
export const simLabelContract = contract({
  ...envelopeFields('sim.label'),
  scenario: oneOf(scenarioNames),
  entity_kind: oneOf(labelEntityKinds),
  /** An account id, a token (BTC), a symbol (BTCUSDT) or a topic / `fact:<table>`, as `entity_kind` says. */
  entity: text(1, 64),
  start_at: epochMs(),
  end_at: epochMs(),
  /** Every event the scenario injected, across topics. */
  event_ids: list(ulid(), 1, 10_000),
  /** The simulator seed that produced it: with the scenario list, enough to reproduce the run. */
  seed: whole(0),
  /** Scenario parameters worth knowing when a detection is judged (sizes, counts), as text. */
  details: text(0, 2000),
});
export const simLabelSchema = simLabelContract.schema;

export type SimLabel = z.infer<typeof simLabelSchema>;
export type ScenarioName = (typeof scenarioNames)[number];

export const simulationTopics = {
  simLabels: storedTopic('sim.labels', simLabelContract, (label) => label.entity, 1, 7 * DAY_MS),
} as const;
