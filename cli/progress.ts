/**
 * A status line every couple of seconds on stderr for long work (produce, replay, record):
 * the running total and the rate since the previous line. Silent when stderr is not a
 * terminal (scripts, CI logs) or with --quiet, so output stays clean where nobody watches.
 */
export interface ProgressOptions {
  label: string;
  /** What is being counted, e.g. "events" or "bytes". */
  unit: string;
  /** Reads the current total; a failed read skips one line. */
  read: () => Promise<number> | number;
  intervalMs?: number;
  quiet?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  now?: () => number;
}

export interface Progress {
  /** Stops reporting and prints a final total (when reporting at all). */
  stop(): Promise<void>;
}

export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  if (options.quiet || !stream.isTTY) return { stop: async () => {} };
  const started = now();
  let previous = { at: started, total: 0 };
  let baseline: number | undefined;
  const line = async (final: boolean) => {
    try {
      const raw = await options.read();
      if (baseline === undefined) {
        baseline = raw;
        if (!final) return;
      }
      const total = raw - baseline;
      const at = now();
      const seconds = (at - (final ? started : previous.at)) / 1000;
      const delta = final ? total : total - previous.total;
      const rate = seconds > 0 ? Math.round(delta / seconds) : 0;
      previous = { at, total };
      stream.write(
        `${options.label}: ${total.toLocaleString('en-US')} ${options.unit} (${final ? 'average ' : ''}${rate.toLocaleString('en-US')}/s)\n`,
      );
    } catch {
      // A status line is a convenience; the work goes on and the next tick tries again.
    }
  };
  // The first read only fixes the baseline, so counters that already hold data count from zero.
  const first = line(false);
  const timer = setInterval(() => void line(false), options.intervalMs ?? 2_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await first;
      await line(true);
    },
  };
}
