import { attackerIp, newAddress, newDevice } from '../accounts.js';
import { defineScenario, withdrawalRequest } from './scenario.js';

/** A token listed only on this exchange: no external feed and no fallback price; its own book prices it. */
export const OWN_BOOK_TOKEN = 'TWX';

/**
 * Account takeover that avoids the one-withdrawal threshold: the owner's usual login and a
 * small withdrawal to a known address first (history), then a login from a new network and
 * device in the owner's own country (a residential proxy: no country signal), and the money
 * out in 3–5 withdrawals each under the threshold, of a token priced only by this
 * exchange's own trades, to an address the account never used.
 */
export const accountTakeoverSplit = defineScenario(
  'account-takeover-split',
  'takeover from a home-country proxy and a new device, money out in several withdrawals each under the threshold, of an own-book-only token, to a new address',
  (h) => {
    const victim = h.rng.pick(h.customers);
    const others = h.customers.filter((a) => a.id !== victim.id);
    const lister = h.rng.pick(others);
    const buyer = h.rng.pick(others.filter((a) => a.id !== lister.id));
    const ip = attackerIp(h.rng);
    const device = newDevice(h.rng);
    const address = newAddress(h.rng);
    const price = h.rng.int(200, 900) / 100;
    const parts = h.rng.int(3, 5);
    const totalUsd = h.rng.int(70_000, 140_000);
    const amount = Math.round(totalUsd / parts / price);
    h.label('account', victim.id, {
      ip,
      device,
      address,
      asset: OWN_BOOK_TOKEN,
      price,
      parts,
      amount_each: amount,
      usd_each: Math.round(amount * price),
    });
    // The exchange's own trades in the token: the only price there is.
    for (let i = 0; i < 3; i += 1)
      h.at(i * 1_000, (t) => [
        h.exchange.thinMarketTrade(
          t,
          `${OWN_BOOK_TOKEN}USDT`,
          price,
          h.rng.int(100, 900),
          lister.id,
          buyer.id,
        ),
      ]);
    // The owner's own habits: usual login, a small withdrawal to a known address.
    h.at(500, (t) => [
      h.exchange.login(t, victim, victim.ips[0] as string, victim.devices[0] as string, 'success'),
    ]);
    h.at(2_000, (t) => [
      withdrawalRequest(
        h,
        t,
        h.exchange.newTransferId(),
        victim,
        'USDT',
        h.rng.int(100, 900),
        victim.addresses[0] as string,
      ),
    ]);
    const loginAt = h.rng.int(8_000, 15_000);
    h.at(loginAt, (t) => [h.exchange.login(t, victim, ip, device, 'success')]);
    for (let i = 0; i < parts; i += 1) {
      const transferId = h.exchange.newTransferId();
      h.at(loginAt + 10_000 + i * h.rng.int(3_000, 9_000), (t) => [
        withdrawalRequest(h, t, transferId, victim, OWN_BOOK_TOKEN, amount, address),
      ]);
    }
  },
);
