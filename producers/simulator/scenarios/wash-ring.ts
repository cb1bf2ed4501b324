import { type Account, newAddress } from '../accounts.js';
import { defineScenario, type ScenarioHandle } from './scenario.js';
import { crossInsideSpread } from './wash-trading.js';

/**
 * Three accounts trading one clip around a cycle, A→B, B→C, C→A, each leg inside the spread
 * so only they match, `cycles` times: the position ends where it started, the volume is made.
 */
function tradeCycles(h: ScenarioHandle, ring: Account[], details: Record<string, unknown>, from: number) {
  const market = h.market();
  const cycles = h.rng.int(4, 6);
  Object.assign(details, { symbol: market.symbol, accounts: ring.map((a) => a.id), cycles, legs: 0 });
  let at = from;
  for (let c = 0; c < cycles; c += 1) {
    // One clip size per cycle: what goes round comes back whole.
    const lots = Math.max(1, Math.round(market.typicalLots * h.rng.int(1, 3)));
    for (let leg = 0; leg < ring.length; leg += 1) {
      const seller = ring[leg] as Account;
      const buyer = ring[(leg + 1) % ring.length] as Account;
      crossInsideSpread(h, market, at, () => {
        details.legs = (details.legs as number) + 1;
        return { seller, buyer, lots };
      });
      at += h.rng.int(300, 900);
    }
    at += h.rng.int(4_000, 8_000);
  }
}

const threeCustomers = (h: ScenarioHandle): Account[] => {
  const first = h.rng.pick(h.customers);
  const second = h.rng.pick(h.customers.filter((a) => a.id !== first.id));
  return [first, second, h.rng.pick(h.customers.filter((a) => a.id !== first.id && a.id !== second.id))];
};

/**
 * Circular wash trading: three accounts of one owner, linked by the external wallet each of
 * them withdrew to (not by a login IP or device, which the pairwise wash-trading rule would
 * see), pass one clip round A→B→C→A at matching price and size, several times a minute.
 */
export const washRing = defineScenario(
  'wash-ring',
  'three accounts withdrawing to one wallet trade the same clip round a cycle A→B→C→A',
  (h) => {
    const ring = threeCustomers(h);
    const wallet = newAddress(h.rng);
    const details: Record<string, unknown> = { shared_wallet: wallet };
    h.label('account', (ring[0] as Account).id, details);
    h.at(0, (t) =>
      ring.map((a) =>
        h.exchange.transfer(
          t,
          'withdrawal',
          h.exchange.newTransferId(),
          a.id,
          'USDT',
          150 + h.rng.int(0, 100),
          wallet,
          'completed',
        ),
      ),
    );
    tradeCycles(h, ring, details, 2_000);
  },
);

/**
 * Negative control for wash-ring: three unrelated traders (their own IPs, devices and
 * wallets) who happen to deal with each other at the touch, in the same round-lot clip, in
 * a cycle: the trades look the same; nothing links the accounts.
 */
export const unlinkedCycleTraders = defineScenario(
  'unlinked-cycle-traders',
  'negative control: three unrelated accounts trading the same clip round a cycle',
  (h) => {
    const ring = threeCustomers(h);
    const details: Record<string, unknown> = {};
    h.label('account', (ring[0] as Account).id, details);
    tradeCycles(h, ring, details, 0);
  },
);
