import { consoleChannel } from './console.js';
import { slackChannel } from './slack.js';
import { telegramChannel } from './telegram.js';
import type { Transport } from './types.js';
import { webhookChannel } from './webhook.js';

/** The channel registry: a new channel type is one file plus one entry here. */
export const channelTypes = {
  console: consoleChannel,
  slack: slackChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
} as const;

export type ChannelType = keyof typeof channelTypes;

/** Builds a transport from a channel's (already validated) config. */
export function createTransport(config: { type: string } & Record<string, unknown>): Transport {
  const spec = channelTypes[config.type as ChannelType];
  // Parsed again with the type's own schema, which fills its defaults.
  return (spec.create as (c: unknown) => Transport)(spec.schema.parse(config));
}
