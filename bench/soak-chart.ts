/**
 * `npm run soak:chart`: draws a soak run's memory and lag as a PNG (Vega-Lite → SVG →
 * resvg) and judges whether every process's RSS levelled off. Reads the newest
 * bench/results/soak-*.json, or `--file`. Run: `npx tsx bench/soak-chart.ts --help`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { Command } from 'commander';
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { fmt, latestResult, table } from './report.js';

export interface SoakSeries {
  process: string;
  samples: ReadonlyArray<{ atS: number; rssMiB: number }>;
}

export interface SoakRun {
  settings: { rate: number; minutes: number; burstFactor: number };
  achievedEventsPerS: number;
  produced: number;
  lagSamples: ReadonlyArray<{ atS: number; lag: number }>;
  rssSamples: readonly SoakSeries[];
  machine?: { cores: number; memoryGiB: number; node: string };
}

export interface Levelling {
  process: string;
  peakMiB: number;
  /** Median RSS of the second and the last quarter of the run, and the change between them. */
  secondQuarterMiB: number;
  lastQuarterMiB: number;
  lateGrowthPct: number;
  levelled: boolean;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : Number.NaN;
};

/**
 * Levelled off: the median RSS of the last quarter of the run is within `maxGrowthPct` of the
 * second quarter's. Medians of quarters, not two samples, so a burst or a merge at the end does
 * not decide it; the second quarter, not the first, because the first holds the warm-up
 * (caches, JIT, the first parts) that any service goes through once.
 */
export function levelling(run: Pick<SoakRun, 'rssSamples'>, maxGrowthPct: number): Levelling[] {
  return run.rssSamples.map(({ process, samples }) => {
    const end = samples.at(-1)?.atS ?? 0;
    const quarter = (q: number) =>
      median(
        samples
          .filter((s) => s.atS >= (end * (q - 1)) / 4 && s.atS < (end * q) / 4 + 1e-9)
          .map((s) => s.rssMiB),
      );
    const second = quarter(2);
    const last = quarter(4);
    const lateGrowthPct = Math.round(((last - second) / second) * 1000) / 10;
    return {
      process,
      peakMiB: Math.max(...samples.map((s) => s.rssMiB)),
      secondQuarterMiB: second,
      lastQuarterMiB: last,
      lateGrowthPct,
      levelled: lateGrowthPct <= maxGrowthPct,
    };
  });
}

/** One row per process; `ok` (default: levelled) under the last column's header. */
export function levellingTable(rows: ReadonlyArray<Levelling & { ok?: boolean }>, okHeader: string): string {
  return table(
    ['process', 'peak MiB', '2nd quarter MiB', 'last quarter MiB', 'late growth %', okHeader],
    rows.map((v) => [
      v.process,
      fmt(v.peakMiB, 1),
      fmt(v.secondQuarterMiB, 1),
      fmt(v.lastQuarterMiB, 1),
      fmt(v.lateGrowthPct, 1),
      (v.ok ?? v.levelled) ? 'yes' : 'NO',
    ]),
  );
}

/** A dashed line at the ClickHouse host's ceiling, labelled. */
function ceilingLayers(ceilingMiB: number): Extract<TopLevelSpec, { layer: unknown }>['layer'] {
  const y = { field: 'ceiling', type: 'quantitative' } as const;
  const label = `ClickHouse host ceiling ${fmt(ceilingMiB)} MiB`;
  return [
    {
      data: { values: [{ ceiling: ceilingMiB }] },
      mark: { type: 'rule', strokeDash: [6, 4], color: '#b00' },
      encoding: { y },
    },
    {
      data: { values: [{ ceiling: ceilingMiB, label }] },
      mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#b00' },
      encoding: { y, x: { datum: 0, type: 'quantitative' }, text: { field: 'label' } },
    },
  ];
}

/** The chart: RSS of every process over the run (top), consumer lag (bottom). */
export async function soakChartPng(
  run: Pick<SoakRun, 'lagSamples' | 'rssSamples'>,
  title: string,
  ceilingMiB?: number,
): Promise<Buffer> {
  const rss = run.rssSamples.flatMap(({ process, samples }) =>
    samples.map((s) => ({ minute: s.atS / 60, process, rss: s.rssMiB })),
  );
  const lag = run.lagSamples.map((s) => ({ minute: s.atS / 60, lag: s.lag }));
  const minute = {
    field: 'minute',
    type: 'quantitative',
    title: 'minutes since production started',
  } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    background: 'white',
    vconcat: [
      {
        width: 900,
        height: 320,
        layer: [
          {
            data: { values: rss },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: minute,
              y: { field: 'rss', type: 'quantitative', title: 'RSS (MiB)' },
              color: { field: 'process', type: 'nominal', title: null, legend: { orient: 'top' } },
            },
          },
          ...(ceilingMiB ? ceilingLayers(ceilingMiB) : []),
        ],
      },
      {
        width: 900,
        height: 140,
        data: { values: lag },
        mark: { type: 'area', color: '#4c78a8', opacity: 0.7 },
        encoding: { x: minute, y: { field: 'lag', type: 'quantitative', title: 'consumer lag (events)' } },
      },
    ],
  };
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 1.5 }, font: { loadSystemFonts: true } })
    .render()
    .asPng();
}

async function main(): Promise<void> {
  const o = new Command('soak:chart')
    .description("draw a soak run's memory and lag as a PNG; judge whether every process levelled off")
    .option('--file <json>', 'a bench/results/soak-*.json (default: the newest)')
    .option('--out <png>', 'where to write the chart', 'docs/img/soak-memory.png')
    .option('--max-late-growth-pct <n>', 'levelled off: last quarter median within this of the second', '10')
    .option('--ceiling-mib <n>', "draw the ClickHouse host's stated ceiling", '3072')
    .parse()
    .opts<{ file?: string; out: string; maxLateGrowthPct: string; ceilingMib: string }>();
  const source = o.file
    ? { file: o.file, body: JSON.parse(readFileSync(o.file, 'utf8')) as SoakRun }
    : latestResult<SoakRun>('soak');
  if (!source) throw new Error('no soak result: run `npm run soak` first, or pass --file');
  const run = source.body;
  const verdict = levelling(run, Number(o.maxLateGrowthPct));
  const title = `Soak: ${run.settings.minutes} min at ${fmt(run.settings.rate)} events/s asked (${fmt(run.achievedEventsPerS)} achieved), ${run.settings.burstFactor}x bursts${run.machine ? ` — ${run.machine.cores} cores, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}` : ''}`;
  writeFileSync(o.out, await soakChartPng(run, title, Number(o.ceilingMib)));
  process.stdout.write(
    `${levellingTable(verdict, `levelled (<= ${o.maxLateGrowthPct}%)`)}\nsource: ${source.file}\nchart: ${o.out}\n`,
  );
  if (!verdict.every((v) => v.levelled)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `soak:chart failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
