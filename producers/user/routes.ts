import { engineTopics } from '../../lib/contracts/engine.js';
import type { TopicSpec } from '../../lib/contracts/topic-spec.js';
import { userTopics } from '../../lib/contracts/user.js';

/** The two HTTP ingest endpoints, and which topic each event type goes to. */
export type Endpoint = 'user' | 'engine';

export const routes: Record<Endpoint, Readonly<Record<string, TopicSpec<unknown>>>> = {
  user: {
    'user.login': userTopics.userLogins,
    'user.deposit': userTopics.userFunds,
    'user.withdrawal': userTopics.userFunds,
    'user.api_key': userTopics.userApiKeys,
    'user.browser_action': userTopics.userBrowser,
  } as Record<string, TopicSpec<unknown>>,
  engine: {
    'engine.order': engineTopics.engineOrders,
    'engine.execution': engineTopics.engineExecutions,
  } as Record<string, TopicSpec<unknown>>,
};

export const endpointTypes = (endpoint: Endpoint): string[] => Object.keys(routes[endpoint]);

export const endpointPaths: Record<Endpoint, string> = { user: '/v1/events', engine: '/v1/engine/events' };
