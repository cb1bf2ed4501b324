import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OkxScript } from '../okx-wire-script.js';
import { okxInstId, okxSymbol } from './okx.js';
import { OkxBook, parseOkxLevels } from './okx-book.js';

const levels = (rows: string[][]) => parseOkxLevels(rows) ?? [];

describe('OKX book checksum', () => {
  it("is the signed CRC32 of OKX's documented example string, levels interleaved bid/ask", () => {
    const book = new OkxBook();
    book.apply(
      levels([
        ['3366.1', '7', '0', '3'],
        ['3366', '6', '3', '4'],
      ]),
      levels([
        ['3366.8', '9', '10', '3'],
        ['3368', '8', '3', '4'],
      ]),
    );
    expect(book.checksum()).toBe(crc32('3366.1:7:3366.8:9:3366:6:3368:8') | 0);
  });

  it('uses the strings as sent, keeps one side going when the other runs out, and stops at 25', () => {
    const book = new OkxBook();
    const bids = Array.from({ length: 30 }, (_, i) => [`${100 - i}.50`, '1.0', '0', '1']);
    book.apply(levels(bids), levels([['101.00', '2', '0', '1']]));
    const expected = ['101.00', '2', ...bids.slice(0, 25).flatMap(([p, s]) => [p as string, s as string])];
    // bid1, ask1, then bids 2..25 alone.
    const interleaved = [expected[2], expected[3], expected[0], expected[1], ...expected.slice(4)];
    expect(book.checksum()).toBe(crc32(interleaved.join(':')) | 0);
  });

  it('agrees with the venue-side checksum over a long random run of updates and removals', () => {
    const script = new OkxScript('BTCUSDT', Date.UTC(2024, 0, 1), 7);
    const book = new OkxBook();
    const read = (frame: string) => {
      const data = (JSON.parse(frame) as { data: { bids: string[][]; asks: string[][]; checksum: number }[] })
        .data[0];
      if (!data) throw new Error('no data');
      book.apply(levels(data.bids), levels(data.asks));
      return data.checksum;
    };
    const first = read(script.tick(100).booksSnapshot(60));
    expect(book.checksum()).toBe(first);
    for (let i = 0; i < 2000; i++) {
      const sent = read(script.tick(100).booksUpdate());
      expect(book.checksum()).toBe(sent);
    }
  });

  it('refuses levels that are not price and size strings', () => {
    expect(parseOkxLevels([[1, '2']])).toBeUndefined();
    expect(parseOkxLevels([['-1', '2']])).toBeUndefined();
    expect(parseOkxLevels([['abc', '2']])).toBeUndefined();
    expect(parseOkxLevels('x')).toBeUndefined();
  });

  it('maps symbols to USDT/USDC swaps and back', () => {
    expect(okxInstId('BTCUSDT')).toBe('BTC-USDT-SWAP');
    expect(okxInstId('ETHUSDC')).toBe('ETH-USDC-SWAP');
    expect(okxInstId('1000PEPEUSDT')).toBe('1000PEPE-USDT-SWAP');
    expect(okxInstId('BTCUSD')).toBeUndefined();
    expect(okxSymbol('BTC-USDT-SWAP')).toBe('BTCUSDT');
  });
});
