import { attackerIp, newAddress, newDevice } from '../accounts.js';
import { defineScenario } from './scenario.js';

const FOREIGN = ['RU', 'NG', 'VN', 'KP', 'IR', 'BY'];

/**
 * Account takeover: failed guesses, then a login from an IP and device the account has
 * never used, then most of its balance withdrawn to a new address well within the hour.
 */
export const accountTakeover = defineScenario(
  'account-takeover',
  'login from a never-seen IP and device, then a large withdrawal to a new address within the hour',
  (h) => {
    const victim = h.rng.pick(h.customers);
    const ip = attackerIp(h.rng);
    const device = newDevice(h.rng);
    const country = h.rng.pick(FOREIGN);
    const address = newAddress(h.rng);
    const asset = h.rng.pick(['BTC', 'ETH', 'USDT']);
    const amount =
      asset === 'BTC'
        ? h.rng.int(150, 400) / 100
        : asset === 'ETH'
          ? h.rng.int(40, 120)
          : h.rng.int(150_000, 400_000);
    const failures = h.rng.int(0, 3);
    const loginAt = failures * h.rng.int(2_000, 6_000);
    const withdrawAfterMs = h.rng.int(20_000, 50_000);
    h.label('account', victim.id, {
      ip,
      device,
      country,
      address,
      asset,
      amount,
      failed_logins: failures,
      withdraw_after_ms: withdrawAfterMs,
    });
    const attacker = {
      ...victim,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    };
    for (let i = 0; i < failures; i += 1) {
      h.at(i * (loginAt / Math.max(failures, 1)), (t) => [
        h.exchange.login(t, attacker, ip, device, 'bad_password', country),
      ]);
    }
    h.at(loginAt, (t) => [h.exchange.login(t, attacker, ip, device, 'success', country)]);
    const transferId = h.exchange.newTransferId();
    const status = ['requested', 'approved', 'sent', 'completed'] as const;
    status.forEach((s, i) => {
      h.at(loginAt + withdrawAfterMs + i * 1_500, (t) => [
        h.exchange.transfer(t, 'withdrawal', transferId, victim.id, asset, amount, address, s),
      ]);
    });
  },
);
