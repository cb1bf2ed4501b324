import { defineScenario, withdrawalRequest } from './scenario.js';

/**
 * Negative control for account-takeover: the owner, on the phone they always use, in their
 * home country, comes in through a mobile carrier's NAT (an IP and /24 never seen on the
 * account), and withdraws a large sum in two parts to the address they always use.
 * Only "new IP / new network" is true: this must not raise a takeover alert.
 */
export const carrierNatLogin = defineScenario(
  'carrier-nat-login',
  'negative control: the owner on their usual device and country, via a new carrier-NAT IP, withdraws a large sum to their usual address',
  (h) => {
    const owner = h.rng.pick(h.customers);
    const device = owner.devices[0] as string;
    const address = owner.addresses[0] as string;
    // Carrier-grade NAT space (RFC 6598, 100.64.0.0/10): never a background customer's IP.
    const ip = `100.${h.rng.int(64, 127)}.${h.rng.int(0, 255)}.${h.rng.int(1, 254)}`;
    const total = h.rng.int(60_000, 120_000);
    h.label('account', owner.id, { ip, device, country: owner.country, address, usd_total: total });
    h.at(0, (t) => [h.exchange.login(t, owner, owner.ips[0] as string, device, 'success')]);
    h.at(2_000, (t) => [withdrawalRequest(h, t, h.exchange.newTransferId(), owner, 'USDT', 1_000, address)]);
    const loginAt = h.rng.int(8_000, 15_000);
    h.at(loginAt, (t) => [h.exchange.login(t, owner, ip, device, 'success')]);
    for (const [i, share] of [0.6, 0.4].entries()) {
      const transferId = h.exchange.newTransferId();
      h.at(loginAt + 10_000 + i * 6_000, (t) => [
        withdrawalRequest(h, t, transferId, owner, 'USDT', Math.round(total * share), address),
      ]);
    }
  },
);
