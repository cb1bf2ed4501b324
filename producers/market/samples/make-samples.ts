import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OkxScript, okxInstruments, okxReply } from '../okx-wire-script.js';
import { Recorder } from '../recording.js';
import { BinanceScript, BybitScript, bybitReply, prng } from '../wire-script.js';

/**
 * Writes the shipped samples: 30 seconds of Binance USDⓈ-M, Bybit linear and OKX swap traffic for
 * BTCUSDT and ETHUSDT in each venue's exact wire format (these machines have no internet,
 * so the frames follow the venues' documented formats rather than a live capture). Each
 * Binance book starts with a recorded REST snapshot; BTCUSDT on Binance has one sequence gap
 * and its resync snapshot, so a replay shows the integrity watcher at work; on OKX, ETHUSDT
 * loses two books updates (a prevSeqId break) and gets its resubscription's snapshot.
 *   npx tsx producers/market/samples/make-samples.ts
 */

const here = dirname(fileURLToPath(import.meta.url));
const START = Date.UTC(2024, 5, 10, 12, 0, 0);
const SECONDS = 30;
const latency = prng(99);
let lastArrival = 0;
/** When our connector would have read a frame: venue time plus 5–40 ms, never before the previous frame. */
const arrival = (venueTime: number) => {
  lastArrival = Math.max(lastArrival, venueTime + 5 + Math.floor(latency() * 35));
  return lastArrival;
};

async function binanceSample(path: string): Promise<number> {
  const recorder = new Recorder(path);
  const scripts = [
    new BinanceScript('BTCUSDT', START, 11, 67_000),
    new BinanceScript('ETHUSDT', START, 12, 3_650),
  ];
  const rest = (s: BinanceScript) =>
    recorder.rest(
      'binance',
      arrival(s.now),
      `/fapi/v1/depth?symbol=${s.symbol}&limit=1000`,
      s.depthSnapshot(50),
    );
  for (let tick = 0; tick < SECONDS * 10; tick++) {
    for (const s of scripts) {
      s.tick(100);
      const frame = (f: string) => recorder.frame('binance', arrival(s.now), f);
      if (tick === SECONDS * 5 && s.symbol === 'BTCUSDT') s.skipDepth(2);
      frame(s.depth());
      // The snapshot a live connector asks for after the first diff, and after the gap.
      if (tick === 0 || (tick === SECONDS * 5 && s.symbol === 'BTCUSDT')) rest(s);
      frame(s.bookTicker());
      frame(s.bookTicker());
      for (let i = 0; i < 3; i++) frame(s.aggTrade());
      if (tick % 10 === 0) frame(s.markPrice());
      if (tick % 70 === 35) frame(s.forceOrder());
    }
  }
  await recorder.close();
  return recorder.lines;
}

async function bybitSample(path: string): Promise<number> {
  lastArrival = 0;
  const recorder = new Recorder(path);
  const scripts = [
    new BybitScript('BTCUSDT', START, 21, 67_010),
    new BybitScript('ETHUSDT', START, 22, 3_651),
  ];
  recorder.frame('bybit', arrival(START), bybitReply({ op: 'subscribe', req_id: 'subscribe-1' }));
  for (const s of scripts) {
    recorder.frame('bybit', arrival(s.now), s.orderbookSnapshot());
    recorder.frame('bybit', arrival(s.now), s.tickers('snapshot'));
  }
  for (let tick = 0; tick < SECONDS * 10; tick++) {
    for (const s of scripts) {
      s.tick(100);
      const frame = (f: string) => recorder.frame('bybit', arrival(s.now), f);
      frame(s.orderbookDelta());
      frame(s.orderbookDelta());
      frame(s.publicTrade());
      frame(s.tickers('delta'));
      if (tick % 70 === 20) frame(s.allLiquidation());
    }
    if (tick % 200 === 199)
      recorder.frame(
        'bybit',
        arrival(START + tick * 100),
        bybitReply({ op: 'ping', req_id: `ping-${tick}` }),
      );
  }
  await recorder.close();
  return recorder.lines;
}

async function okxSample(path: string): Promise<number> {
  lastArrival = 0;
  const recorder = new Recorder(path);
  const scripts = [
    new OkxScript('BTCUSDT', START, 31, 67_005, 0.01),
    new OkxScript('ETHUSDT', START, 32, 3_650, 0.1),
  ];
  // The contract sizes the connector asks for before it reads a size.
  recorder.rest('okx', arrival(START), '/api/v5/public/instruments?instType=SWAP', okxInstruments(scripts));
  for (const s of scripts) {
    recorder.frame('okx', arrival(START), okxReply('subscribe', { channel: 'books', instId: s.instId }));
    recorder.frame('okx', arrival(s.now), s.booksSnapshot(100));
    recorder.frame('okx', arrival(s.now), s.indexTickers());
    recorder.frame('okx', arrival(s.now), s.fundingRate());
  }
  for (let tick = 0; tick < SECONDS * 10; tick++) {
    for (const s of scripts) {
      s.tick(100);
      const frame = (f: string) => recorder.frame('okx', arrival(s.now), f);
      if (tick === SECONDS * 5 && s.symbol === 'ETHUSDT') {
        s.skipUpdates(2);
        frame(s.booksUpdate());
        // What OKX sends after the connector's unsubscribe + subscribe.
        frame(okxReply('unsubscribe', { channel: 'books', instId: s.instId }));
        frame(okxReply('subscribe', { channel: 'books', instId: s.instId }));
        frame(s.booksSnapshot(100));
      }
      frame(s.booksUpdate());
      frame(tick % 50 === 49 ? s.booksNoChange() : s.booksUpdate());
      frame(s.trades());
      frame(s.tickers());
      if (tick % 10 === 0) frame(s.markPrice());
      if (tick % 10 === 5) frame(s.indexTickers());
      if (tick % 50 === 0) frame(s.fundingRate());
      if (tick % 30 === 0) frame(s.openInterest());
      if (tick % 70 === 40) frame(s.liquidation());
    }
    if (tick % 200 === 199) recorder.frame('okx', arrival(START + tick * 100), 'pong');
  }
  await recorder.close();
  return recorder.lines;
}

const binanceLines = await binanceSample(join(here, 'binance-usdm.jsonl.gz'));
const bybitLines = await bybitSample(join(here, 'bybit-linear.jsonl.gz'));
const okxLines = await okxSample(join(here, 'okx-swap.jsonl.gz'));
process.stdout.write(
  `wrote ${binanceLines} Binance, ${bybitLines} Bybit and ${okxLines} OKX lines to ${here}\n`,
);
