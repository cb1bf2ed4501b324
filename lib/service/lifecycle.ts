import type { Logger } from '../log.js';
import { flushTelemetry } from '../observability/telemetry.js';

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if `stop` threw).
 * A second signal, or `stop` taking longer than `graceMs`, exits at once with 1: an
 * operator who presses Ctrl-C twice means it.
 */
export function onShutdown(log: Logger, stop: (signal: string) => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    // The last spans and log lines (this shutdown's) are exported before the process exits.
    stop(signal).then(
      async () => {
        log.info('stopped');
        await flushTelemetry();
        process.exit(0);
      },
      async (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        await flushTelemetry();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
