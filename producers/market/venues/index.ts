import type { VenueDefinition } from '../venue.js';
import { binance } from './binance.js';
import { bybit } from './bybit.js';
import { okx } from './okx.js';

/** Every venue the connector can run, by id. A new venue is one file and one line here. */
export const venues: Readonly<Record<string, VenueDefinition>> = {
  [binance.id]: binance,
  [bybit.id]: bybit,
  [okx.id]: okx,
};
