import type { VenueDefinition } from '../venue.js';
import { isObject, num } from '../venue-kit.js';
import { binance } from '../venues/binance.js';
import { bybit } from '../venues/bybit.js';
import { okx, okxInstId } from '../venues/okx.js';

/**
 * Each venue's open-interest REST endpoint and its rate-limit rules, as the venues document
 * them. A source turns a reply into a reading (base-asset open interest, the venue's time)
 * or a reason, and says how long a limited reply asks us to stay away.
 */

export interface Reading {
  readonly openInterest: number;
  /** Quote-currency notional, when the venue gives it. */
  readonly value?: number;
  readonly time: number;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface OpenInterestSource {
  readonly venue: VenueDefinition;
  url(restUrl: string, symbol: string): string;
  /** The reading in a 2xx reply, or why there is none. */
  read(body: unknown, symbol: string): Reading | string;
  /** How long to stay away (ms) when the reply says we are over a limit; undefined otherwise. */
  backoff(reply: Reply, now: number): number | undefined;
}

const MINUTE_MS = 60_000;
const seconds = (header: string | null): number | undefined => {
  const n = header === null ? Number.NaN : Number(header);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
};

/** Binance USDⓈ-M `GET /fapi/v1/openInterest`: 429 (over the weight limit) and 418 (banned) carry Retry-After in seconds. */
export const binanceOpenInterest: OpenInterestSource = {
  venue: binance,
  url: (rest, symbol) => `${rest}/fapi/v1/openInterest?symbol=${symbol}`,
  read(body, symbol) {
    if (!isObject(body) || body.symbol !== symbol)
      return `expected {"symbol":"${symbol}","openInterest","time"}, got ${JSON.stringify(body)?.slice(0, 200)}`;
    return { openInterest: num(body.openInterest), time: num(body.time) };
  },
  backoff(reply) {
    if (reply.status !== 429 && reply.status !== 418) return undefined;
    // Without the header, a minute: the weight window Binance counts in.
    return seconds(reply.headers.get('retry-after')) ?? MINUTE_MS;
  },
};

/**
 * Bybit v5 `GET /v5/market/tickers?category=linear`: the live open interest and its value (the
 * `/v5/market/open-interest` series moves in 5-minute steps). Every reply says what is left of
 * the window (X-Bapi-Limit-Status) and when it resets (X-Bapi-Limit-Reset-Timestamp, ms); a
 * reply with none left, retCode 10006 (too many visits) or HTTP 403 (IP limit) waits for it.
 */
export const bybitOpenInterest: OpenInterestSource = {
  venue: bybit,
  url: (rest, symbol) => `${rest}/v5/market/tickers?category=linear&symbol=${symbol}`,
  read(body, symbol) {
    const list = isObject(body) && isObject(body.result) ? body.result.list : undefined;
    const item = Array.isArray(list) ? list[0] : undefined;
    if (!isObject(body) || body.retCode !== 0 || !isObject(item) || item.symbol !== symbol)
      return `expected {"retCode":0,"result":{"list":[{"symbol":"${symbol}","openInterest",…}]}}, got ${JSON.stringify(body)?.slice(0, 200)}`;
    return { openInterest: num(item.openInterest), value: num(item.openInterestValue), time: num(body.time) };
  },
  backoff(reply, now) {
    const reset = Number(reply.headers.get('x-bapi-limit-reset-timestamp'));
    const untilReset = Number.isFinite(reset) && reset > now ? reset - now : undefined;
    const code = isObject(reply.body) ? reply.body.retCode : undefined;
    // Bybit's IP ban after a 403 lasts at least ten minutes.
    if (reply.status === 403) return Math.max(untilReset ?? 0, 10 * MINUTE_MS);
    if (reply.status === 429 || code === 10006) return untilReset ?? 1_000;
    if (reply.headers.get('x-bapi-limit-status') === '0') return untilReset ?? 1_000;
    return undefined;
  },
};

/**
 * OKX v5 `GET /api/v5/public/open-interest` (20 requests per 2 s): over the limit it answers
 * HTTP 429 with code 50011 ("Too Many Requests"); we wait out the 2-second window, or what
 * Retry-After asks when present.
 */
export const okxOpenInterest: OpenInterestSource = {
  venue: okx,
  url: (rest, symbol) =>
    `${rest}/api/v5/public/open-interest?instType=SWAP&instId=${okxInstId(symbol) ?? symbol}`,
  read(body, symbol) {
    const item = isObject(body) && Array.isArray(body.data) ? body.data[0] : undefined;
    if (!isObject(body) || body.code !== '0' || !isObject(item) || item.instId !== okxInstId(symbol))
      return `expected {"code":"0","data":[{"instId":"${okxInstId(symbol)}","oiCcy",…}]}, got ${JSON.stringify(body)?.slice(0, 200)}`;
    // `oiCcy` is the base asset; `oi` counts contracts.
    return { openInterest: num(item.oiCcy), value: num(item.oiUsd), time: num(item.ts) };
  },
  backoff(reply) {
    const code = isObject(reply.body) ? reply.body.code : undefined;
    if (reply.status !== 429 && code !== '50011') return undefined;
    return seconds(reply.headers.get('retry-after')) ?? 2_000;
  },
};

export const openInterestSources: Readonly<Record<string, OpenInterestSource>> = {
  [binance.id]: binanceOpenInterest,
  [bybit.id]: bybitOpenInterest,
  [okx.id]: okxOpenInterest,
};
