import { describe, expect, it } from 'vitest';
import { levelling, type SoakRun, soakChartPng } from './soak-chart.js';

/** A run of `minutes` with one sample every 5 s, each process's RSS given as a function of time. */
function run(minutes: number, processes: Record<string, (minute: number) => number>): SoakRun {
  const times = Array.from({ length: (minutes * 60) / 5 + 1 }, (_, i) => i * 5);
  return {
    settings: { rate: 5000, minutes, burstFactor: 3 },
    achievedEventsPerS: 4990,
    produced: 5000 * minutes * 60,
    lagSamples: times.map((atS) => ({ atS, lag: atS % 120 < 10 ? 12_000 : 800 })),
    rssSamples: Object.entries(processes).map(([process, rss]) => ({
      process,
      samples: times.map((atS) => ({ atS, rssMiB: rss(atS / 60) })),
    })),
  };
}

describe('soak chart', () => {
  it('calls a process levelled when its late RSS stays near the second quarter, whatever its warm-up', () => {
    const verdict = levelling(
      run(60, {
        // Warm-up to 900 MiB in 10 min, then flat with bursts of +15 % every 2 min.
        warms: (m) => Math.min(900, 300 + 60 * m) * ((m * 60) % 120 < 10 ? 1.15 : 1),
        // Grows 5 MiB a minute for the whole hour: a leak, however small each step.
        leaks: (m) => 400 + 5 * m,
      }),
      10,
    );
    expect(verdict.find((v) => v.process === 'warms')).toMatchObject({ levelled: true, peakMiB: 1035 });
    const leak = verdict.find((v) => v.process === 'leaks');
    expect(leak?.levelled).toBe(false);
    // Second-quarter median ~ minute 22.5 (512.5 MiB), last quarter ~ minute 52.5 (662.5 MiB).
    expect(leak?.lateGrowthPct).toBeCloseTo(29.3, 0);
  });

  it('draws the run as a PNG', async () => {
    const png = await soakChartPng(run(6, { broker: () => 700, host: (m) => 600 + m }), 'test', 3072);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR: width and height, big-endian, at bytes 16-23; the spec is 900 wide, zoomed 1.5x.
    expect(png.readUInt32BE(16)).toBeGreaterThan(1300);
    expect(png.readUInt32BE(20)).toBeGreaterThan(600);
  });
});
