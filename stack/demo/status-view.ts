import type { StatusSnapshot } from './status.js';

/**
 * The demo's status as text: a block redrawn in place on a terminal (screen.ts), or three
 * plain lines now and then when the output is a file or a pipe.
 */

const n = (v: number) => Math.round(v).toLocaleString('en-US');
const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

/** Every topic seen by Kafka or by the facts, in order. */
const topicsOf = (s: StatusSnapshot) => [...new Set([...s.rates.keys(), ...s.rows.keys()])].sort();

/** Three lines, for a log file or a CI job: events/s, rows and dead letters, alerts and scenarios. */
export function plainLines(s: StatusSnapshot): string[] {
  const elapsed = `[${String(Math.round(s.elapsedMs / 1000)).padStart(4)} s]`;
  const pad = ' '.repeat(elapsed.length);
  const rates = [...s.rates].sort(([a], [b]) => a.localeCompare(b));
  const totalRows = [...s.rows.values()].reduce((a, b) => a + b, 0);
  const caught = s.outcomes.filter((o) => o.alert).length;
  return [
    `${elapsed} events/s acknowledged by Kafka: ${rates.map(([t, r]) => `${t} ${n(r)}`).join(' · ') || '-'}`,
    `${pad} rows in ClickHouse facts: ${n(totalRows)} (${[...s.rows].map(([t, r]) => `${t} ${n(r)}`).join(' · ') || '-'}) · dead letters ${n(s.deadLetters)}`,
    `${pad} alerts fired: ${s.alerts.map((a) => `${a.rule} ${a.count}`).join(' · ') || 'none yet'} · scenarios alerted ${caught}/${s.outcomes.length} planted of ${s.planned}`,
  ];
}

const LABEL = 22;
/** `label` then `items` joined by ' · ', wrapped onto as many lines as `width` needs. */
function labelled(label: string, items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = ` ${label.padEnd(LABEL)}`;
  let filled = false;
  for (const item of items) {
    const next = filled ? `${line} · ${item}` : `${line}${item}`;
    if (filled && next.length > width) {
      lines.push(line);
      line = ` ${' '.repeat(LABEL)}${item}`;
    } else line = next;
    filled = true;
  }
  lines.push(line);
  return lines;
}

export interface BlockContext {
  /** Where things listen, one `[name, address]` per service (the demo adds its own). */
  listening: ReadonlyArray<readonly [string, string]>;
  /** Log lines kept off the screen per module (KafkaJS retries…), and the file that has them. */
  offScreen: ReadonlyMap<string, number>;
  logFile: string;
  width: number;
}

/** The live block: one table of topics, then dead letters, alerts, scenarios, addresses, the log. */
export function blockLines(s: StatusSnapshot, c: BlockContext): string[] {
  const title = `━━ Tradewatch demo · running ${clock(s.elapsedMs)} · Ctrl-C stops everything `;
  const lines = [title.padEnd(Math.min(c.width, 100), '━')];
  lines.push(` ${'topic'.padEnd(LABEL)}${'events/s'.padStart(10)}${'rows in ClickHouse'.padStart(22)}`);
  for (const topic of topicsOf(s))
    lines.push(
      ` ${topic.padEnd(LABEL)}${n(s.rates.get(topic) ?? 0).padStart(10)}${n(s.rows.get(topic) ?? 0).padStart(22)}`,
    );
  const caught = s.outcomes.filter((o) => o.alert).length;
  const scenarios = s.outcomes.map((o) =>
    o.alert ? `✓ ${o.scenario} ${clock(o.alert.atMs)}` : `… ${o.scenario} (planted ${clock(o.plantedAtMs)})`,
  );
  const quiet = [...c.offScreen].map(([module, count]) => `${module} ${n(count)} lines`);
  const section = (label: string, items: readonly string[]) => lines.push(...labelled(label, items, c.width));
  section('dead letters', [n(s.deadLetters)]);
  section('alerts per rule', s.alerts.length ? s.alerts.map((a) => `${a.rule} ${a.count}`) : ['none yet']);
  section('scenarios alerted', [`${caught} of ${s.planned}`, ...scenarios]);
  section(
    'listening',
    c.listening.map(([name, address]) => `${name} ${address}`),
  );
  section('not shown, in log', [c.logFile, ...(quiet.length ? quiet : ['nothing held back'])]);
  return lines;
}
