import type { Rng } from '../../lib/random.js';

/** A simulated customer: where they log in from, with what, and where their money goes. */
export interface Account {
  id: string;
  /** Market makers quote both sides all day; everyone else trades now and then. */
  maker: boolean;
  country: string;
  ips: string[];
  devices: string[];
  userAgent: string;
  /** Withdrawal addresses this account has used before. */
  addresses: string[];
}

const COUNTRIES = ['DE', 'FR', 'GB', 'ES', 'IT', 'NL', 'PL', 'US', 'BR', 'JP', 'KR', 'SG', 'TR', 'AE'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'TradewatchExchange/4.2 (Android 14; Pixel 8)',
];

/**
 * Background customers' IPs come from 10.0.0.0/8-sized draws over public-looking first
 * octets below 180; scenario attackers use 185.220.x.x, which no customer ever gets, so
 * an attacker's IP is "never seen" by construction.
 */
export function customerIp(rng: Rng): string {
  return `${rng.int(11, 179)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function attackerIp(rng: Rng): string {
  return `185.220.${rng.int(100, 103)}.${rng.int(1, 254)}`;
}

export function hex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += '0123456789abcdef'[rng.int(0, 15)];
  return out;
}

export const newAddress = (rng: Rng): string => `0x${hex(rng, 40)}`;
export const newDevice = (rng: Rng): string => `dev-${hex(rng, 12)}`;

export function createAccounts(rng: Rng, count: number, makers: number): Account[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `acc-${String(i + 1).padStart(5, '0')}`,
    maker: i < makers,
    country: rng.pick(COUNTRIES),
    ips: Array.from({ length: rng.int(1, 3) }, () => customerIp(rng)),
    devices: Array.from({ length: rng.int(1, 2) }, () => newDevice(rng)),
    userAgent: rng.pick(USER_AGENTS),
    addresses: Array.from({ length: rng.int(1, 2) }, () => newAddress(rng)),
  }));
}
