import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DestinationStream } from 'pino';

/**
 * pino's JSON lines made readable for a person at a terminal (lib/log.ts picks this when the
 * log goes to a TTY). Every line still goes, as JSON, to a log file; the terminal gets one
 * short line per record — except a library's own chatter (KafkaJS connection retries and
 * start-up races, logged through the `kafkajs` child logger), which is routine while a
 * broker starts or rebalances and only buries what matters: that stays in the file,
 * counted per module (`offScreenLines()`), never on screen. A caller may keep other
 * modules off the screen the same way (`offScreen`).
 */

const LEVELS: Record<number, { label: string; color: string }> = {
  10: { label: 'TRACE', color: '\x1b[90m' },
  20: { label: 'DEBUG', color: '\x1b[90m' },
  30: { label: 'INFO ', color: '\x1b[36m' },
  40: { label: 'WARN ', color: '\x1b[33m' },
  50: { label: 'ERROR', color: '\x1b[31m' },
  60: { label: 'FATAL', color: '\x1b[41m' },
};
const RESET = '\x1b[0m';
/** Fields every line has, shown in the line's head rather than as key=value. */
const HEAD = new Set(['level', 'time', 'service', 'name', 'msg', 'module', 'err', 'pid', 'hostname']);

/** Modules whose lines never reach the screen unless a caller says otherwise. */
export const LIBRARY_MODULES: readonly string[] = ['kafkajs'];

const offScreen = new Map<string, number>();
/** When set, every later line stays in the file, counted under this name (see holdBackFromScreen). */
let heldBack: string | undefined;

/**
 * From now on keep every log line off the terminal, counted under `label`: for a process
 * that is shutting down after a terminal's Ctrl-C, whose services (the broker, ClickHouse)
 * got the same Ctrl-C and are going away, so its clients' complaints are expected.
 */
export function holdBackFromScreen(label: string): void {
  heldBack = label;
}
/** Log lines kept off the terminal (they are in the log file) since the process started, per module. */
export const offScreenLines = (): ReadonlyMap<string, number> => offScreen;

function fieldText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** One record as `HH:MM:SS LEVEL service/module: message key=value … — error message`. */
export function humanLine(record: Record<string, unknown>, color = false): string {
  const level = LEVELS[Number(record.level)] ?? { label: String(record.level), color: '' };
  const time =
    typeof record.time === 'string' ? record.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const who = [record.service ?? record.name, record.module].filter((x) => x !== undefined).join('/');
  const fields = Object.entries(record)
    .filter(([k, v]) => !HEAD.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${fieldText(v)}`);
  const err = record.err as { message?: string; type?: string } | undefined;
  const label = color ? `${level.color}${level.label}${RESET}` : level.label;
  return `${time} ${label} ${who}: ${record.msg ?? ''}${fields.length ? ` ${fields.join(' ')}` : ''}${err?.message ? ` — ${err.message}` : ''}\n`;
}

/**
 * A pino destination: JSON to `file` (appended), a human line to `out`. The file is
 * written synchronously, like the JSON destination, so a crash loses no line.
 */
export function terminalStream(options: {
  out: { write(text: string): unknown };
  file: string;
  color: boolean;
  /** Modules (the `module` binding of a child logger) kept in the file only. */
  offScreen?: readonly string[];
}): DestinationStream & { close(): void } {
  const quiet = new Set(options.offScreen ?? LIBRARY_MODULES);
  mkdirSync(dirname(options.file), { recursive: true });
  const fd = openSync(options.file, 'a');
  return {
    write(line: string) {
      writeSync(fd, line);
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        options.out.write(line);
        return;
      }
      const module = typeof record.module === 'string' ? record.module : undefined;
      const hold = heldBack ?? (module !== undefined && quiet.has(module) ? module : undefined);
      if (hold !== undefined) {
        offScreen.set(hold, (offScreen.get(hold) ?? 0) + 1);
        return;
      }
      options.out.write(humanLine(record, options.color));
    },
    close: () => closeSync(fd),
  };
}
