import { engineTopics } from '../../lib/contracts/engine.js';
import { listingTopics } from '../../lib/contracts/listing.js';
import type { TopicSpec } from '../../lib/contracts/topic-spec.js';
import { userTopics } from '../../lib/contracts/user.js';

/** The two HTTP ingest endpoints, and which topic each event type goes to (the exchange's systems: `engine`). */
export type Endpoint = 'user' | 'engine';

/**
 * A Map, not an object: a client's `type` is looked up as data, so `constructor`, `__proto__`
 * or `toString` find nothing instead of Object.prototype's members.
 */
export const routes: Record<Endpoint, ReadonlyMap<string, TopicSpec<unknown>>> = {
  user: new Map<string, TopicSpec<unknown>>([
    ['user.login', userTopics.userLogins as TopicSpec<unknown>],
    ['user.deposit', userTopics.userFunds as TopicSpec<unknown>],
    ['user.withdrawal', userTopics.userFunds as TopicSpec<unknown>],
    ['user.api_key', userTopics.userApiKeys as TopicSpec<unknown>],
    ['user.browser_action', userTopics.userBrowser as TopicSpec<unknown>],
  ]),
  engine: new Map<string, TopicSpec<unknown>>([
    ['engine.order', engineTopics.engineOrders as TopicSpec<unknown>],
    ['engine.execution', engineTopics.engineExecutions as TopicSpec<unknown>],
    // The exchange's own back office, like the engine: the listing team publishes announcements here.
    ['listing.announcement', listingTopics.listings as TopicSpec<unknown>],
  ]),
};

export const endpointTypes = (endpoint: Endpoint): string[] => [...routes[endpoint].keys()];

export const endpointPaths: Record<Endpoint, string> = { user: '/v1/events', engine: '/v1/engine/events' };
