import { z } from 'zod';
import { envelopeShape, epochMsSchema, eventIdSchema } from './envelope.js';
import { DAY_MS, type TopicSpec } from './topic-spec.js';

/** The scenarios the simulator can inject, each a pattern the risk rules should catch. */
export const scenarioNames = [
  'account-takeover',
  'wash-trading',
  'spoofing',
  'pump-and-dump',
  'negative-buzz',
] as const;

export const labelEntityKinds = ['account', 'token', 'symbol'] as const;

/**
 * Ground truth written by the simulator: this scenario happened to this entity between
 * these instants, through these events. A detection report joins alerts with labels.
 */
export const simLabelSchema = z.object({
  ...envelopeShape,
  type: z.literal('sim.label'),
  schema_version: z.literal(1),
  scenario: z.enum(scenarioNames),
  entity_kind: z.enum(labelEntityKinds),
  /** An account id, a token (BTC) or a symbol (BTCUSDT), as `entity_kind` says. */
  entity: z.string().min(1).max(64),
  start_at: epochMsSchema,
  end_at: epochMsSchema,
  /** Every event the scenario injected, across topics. */
  event_ids: z.array(eventIdSchema).min(1).max(10_000),
  /** The simulator seed that produced it: with the scenario list, enough to reproduce the run. */
  seed: z.number().int().nonnegative(),
  /** Scenario parameters worth knowing when a detection is judged (sizes, counts), as text. */
  details: z.string().max(2000),
});

export type SimLabel = z.infer<typeof simLabelSchema>;
export type ScenarioName = (typeof scenarioNames)[number];

export const simulationTopics = {
  simLabels: {
    name: 'sim.labels',
    schema: simLabelSchema,
    key: (label: SimLabel) => label.entity,
    partitions: 1,
    retentionMs: 7 * DAY_MS,
  } satisfies TopicSpec<SimLabel>,
} as const;
