import type { Account } from '../accounts.js';
import type { SimEvent } from '../exchange.js';
import { defineScenario, type ScenarioHandle } from './scenario.js';

/** The announcement, this long after the scenario starts; the pop tops out RISE_MS later. */
const ANNOUNCE_MS = 45_000;
const RISE_MS = 24_000;
const POP_BPS = 600;
const END_MS = 90_000;
const VENUES = ['binance', 'coinbase', 'upbit'] as const;

interface ThinListing {
  h: ScenarioHandle;
  asset: string;
  symbol: string;
  /** Price `bps` over the pre-announcement level at `at` ms after the start, 6 significant digits. */
  price: (at: number, bps?: number) => number;
}

/**
 * A small token only our book trades (no other scenario's symbol, so nothing else moves its
 * price), whose listing another venue announces: flat before, up to +6% within 24 s after,
 * as listing news does. Ordinary customers trade it every few seconds throughout. A numbered
 * name per run: the rule judges the first announcement of an asset, and a scenario typed
 * again later in a long run must get an announcement of its own.
 */
function thinListing(h: ScenarioHandle, assets: readonly string[]): ThinListing {
  const asset = `${h.rng.pick(assets)}${h.rng.int(10, 99)}`;
  const before = 0.5 + h.rng.int(0, 150) / 100;
  const pop = (at: number) =>
    at <= ANNOUNCE_MS ? 0 : Math.min(POP_BPS, ((at - ANNOUNCE_MS) / RISE_MS) * POP_BPS);
  const listing: ThinListing = {
    h,
    asset,
    symbol: `${asset}USDT`,
    price: (at, bps = 0) => Number((before * (1 + (pop(at) + bps) / 10_000)).toPrecision(6)),
  };
  const venue = h.rng.pick(VENUES);
  const id = `ann-${h.rng.int(100_000, 999_999)}`;
  h.at(ANNOUNCE_MS, (t) => [
    h.exchange.listing(t, {
      listing_id: id,
      venue,
      asset,
      symbol: listing.symbol,
      market_type: 'spot',
      effective_at: t + 2 * 3_600_000,
      title: `${venue} will list ${asset} (${asset}/USDT)`,
      url: `https://announcements.example/${venue}/${id}`,
    }),
  ]);
  for (let at = 0; at < END_MS; at += h.rng.int(3_000, 6_000)) {
    const coins = (100 + h.rng.int(0, 400)) / listing.price(at);
    trade(listing, at, h.rng.pick(h.customers), h.rng.pick(h.customers), coins, h.rng.int(-10, 10));
  }
  return listing;
}

const sixDigits = (x: number) => Number(x.toPrecision(6));

/** `seller` sells `coins` to `buyer` at the market's price then (+`bps`), the buyer taking. */
function trade(m: ThinListing, at: number, seller: Account, buyer: Account, coins: number, bps = 0): void {
  m.h.at(at, (t): SimEvent[] => [
    m.h.exchange.thinMarketTrade(t, m.symbol, m.price(at, bps), sixDigits(coins), seller.id, buyer.id),
  ]);
}

/** Buys `usd` worth in `parts` buys `from`…`to` ms after the start, each a little higher; returns the coins. */
function buyIn(m: ThinListing, buyer: Account, usd: number, parts: number, from: number, to: number): number {
  let coins = 0;
  for (let i = 0; i < parts; i += 1) {
    const at = from + Math.round(((to - from) * i) / (parts - 1));
    const part = usd / parts / m.price(at, 2 + i * 2);
    coins += sixDigits(part);
    trade(m, at, m.h.rng.pick(m.h.customers), buyer, part, 2 + i * 2);
  }
  return coins;
}

/** Sells `coins` in `parts` sells into the rise, `from`…`to` ms after the start. */
function sellOut(
  m: ThinListing,
  seller: Account,
  coins: number,
  parts: number,
  from: number,
  to: number,
): void {
  for (let i = 0; i < parts; i += 1)
    trade(
      m,
      from + Math.round(((to - from) * i) / (parts - 1)),
      seller,
      m.h.rng.pick(m.h.customers),
      coins / parts,
    );
}

interface RoundTrip {
  assets: readonly string[];
  /** USD deposited (bought elsewhere) before the news, as [at least, plus up to]; none when absent. */
  deposit?: readonly [number, number];
  /** USD bought on our book, as [at least, plus up to], in 6 buys spread over `buyWindow` (ms after the start). */
  buy: readonly [number, number];
  buyWindow: readonly [number, number];
  /** When the 5 sells into the pop start (they end 85 s after the start). */
  sellFrom: number;
}

/** A customer takes a position in a thin listing (deposit and/or buys) and sells all of it into the pop. */
function listingRoundTrip(h: ScenarioHandle, o: RoundTrip): void {
  const m = thinListing(h, o.assets);
  const account = h.rng.pick(h.customers);
  const deposited = o.deposit && o.deposit[0] + h.rng.int(0, o.deposit[1]);
  const bought = o.buy[0] + h.rng.int(0, o.buy[1]);
  const depositDetails = deposited === undefined ? {} : { deposited_usd: deposited };
  h.label('account', account.id, { symbol: m.symbol, ...depositDetails, bought_usd: bought });
  let held = 0;
  if (deposited !== undefined) {
    const id = h.exchange.newTransferId();
    held = sixDigits(deposited / m.price(0));
    const [coins, address] = [held, h.rng.pick(account.addresses)];
    for (const [at, status] of [
      [5_000, 'pending'],
      [8_000, 'completed'],
    ] as const)
      h.at(at, (t) => [h.exchange.transfer(t, 'deposit', id, account.id, m.asset, coins, address, status)]);
  }
  held += buyIn(m, account, bought, 6, o.buyWindow[0], o.buyWindow[1]);
  sellOut(m, account, held, 5, o.sellFrom, 85_000);
}

/**
 * Insider trading before a listing: an account that never held the token deposits some
 * (bought elsewhere) and buys more on our book in the 40 s before another venue announces its
 * listing, then sells all of it into the pop within 40 s after.
 */
const INSIDER: RoundTrip = {
  assets: ['NOVA', 'ORBX', 'ZENT'],
  deposit: [12_000, 8_000],
  buy: [25_000, 15_000],
  buyWindow: [10_000, 40_000],
  sellFrom: 55_000,
};
export const insiderBeforeListing = defineScenario(
  'insider-before-listing',
  'an account deposits and buys a token shortly before another venue announces its listing, sells after',
  (h) => listingRoundTrip(h, INSIDER),
);

/**
 * Negative control for insider-before-listing: a news trader who buys the same token in the
 * seconds after the announcement and sells into the same pop: the same trades and profit,
 * every one of them after the news was public.
 */
const NEWS_TRADER: RoundTrip = {
  assets: ['LUMA', 'QRKS', 'VYRA'],
  buy: [30_000, 20_000],
  buyWindow: [ANNOUNCE_MS + 1_000, ANNOUNCE_MS + 8_000],
  sellFrom: 65_000,
};
export const listingNewsTrader = defineScenario(
  'listing-news-trader',
  'negative control: buys a token seconds after its listing is announced, sells into the pop',
  (h) => listingRoundTrip(h, NEWS_TRADER),
);
