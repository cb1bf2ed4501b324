import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';

/**
 * A rule is one SQL file: a header of `-- key: value` comment lines, then a SELECT that
 * returns one row per entity with the columns the alerts table needs (see render.ts).
 *
 *   -- rule: account-takeover
 *   -- title: …                         -- severity: info|warning|high|critical
 *   -- entity: account|token|market|pipeline
 *   -- episode_gap_s: 3600              -- a detection within this long of the last is the same alert
 *   -- refresh_s: 2                     -- how often the view re-evaluates (config may override)
 *   -- resolve_after_s: 0               -- 0: people resolve it; N: resolved when unseen for N s
 *   -- threshold: name = 50000   -- what it means        (repeatable; used as {{name}} in the SQL)
 *   -- traced: true                     -- optional: the SELECT also returns trace_parent, the
 *                                       --   W3C traceparent of the triggering event (its fact's
 *                                       --   trace_parent column), kept on the alert for the notifier
 *   -- scored: true                     -- optional: the SELECT also returns severity per row
 *                                       --   (info|warning|high|critical: severity follows a score)
 *   -- description: …                   -- runbook: …   (continued on indented `--   ` lines)
 */
export const severities = ['info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export interface RuleThreshold {
  name: string;
  value: number;
  help: string;
}

export interface RuleFile {
  id: string;
  file: string;
  title: string;
  severity: Severity;
  entityType: string;
  episodeGapS: number;
  refreshS: number;
  resolveAfterS: number;
  /** The SELECT returns trace_parent (the triggering event's traceparent) too. */
  traced: boolean;
  /** The SELECT returns severity too, per entity (a score decides it). */
  scored: boolean;
  thresholds: RuleThreshold[];
  description: string;
  runbook: string;
  /** The SELECT, with `{{name}}` placeholders for thresholds. */
  body: string;
}

const header = z.object({
  rule: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'a lower-case id with dashes'),
  title: z.string().min(3).max(150),
  severity: z.enum(severities),
  entity: z.enum(['account', 'token', 'market', 'pipeline']),
  episode_gap_s: z.coerce.number().int().min(0),
  refresh_s: z.coerce.number().int().min(1).max(3600),
  resolve_after_s: z.coerce.number().int().min(0),
  traced: z.enum(['true', 'false']).default('false'),
  scored: z.enum(['true', 'false']).default('false'),
  description: z.string().min(10),
  runbook: z.string().min(10),
});

const HEADER_LINE = /^--\s([a-z_]+):\s?(.*)$/;
const CONTINUATION = /^--\s{2,}(\S.*)$/;
const THRESHOLD = /^([a-z][a-z0-9_]*)\s*=\s*(-?[0-9.]+)\s*(?:--\s*(.*))?$/;

export function parseRuleFile(
  file: string,
  text: string,
  fragments: ReadonlyMap<string, string> = new Map(),
): RuleFile {
  const fields = new Map<string, string>();
  const thresholds: RuleThreshold[] = [];
  const lines = text.split('\n');
  let i = 0;
  let last: string | undefined;
  for (; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const cont = CONTINUATION.exec(line);
    if (cont && last) {
      fields.set(last, `${fields.get(last)} ${(cont[1] as string).trim()}`);
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) break;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'threshold') {
      const t = THRESHOLD.exec(value.trim());
      if (!t || !Number.isFinite(Number(t[2])))
        throw invalid(file, `threshold "${value}": expected "name = number   -- what it means"`);
      thresholds.push({ name: t[1] as string, value: Number(t[2]), help: (t[3] ?? '').trim() });
      last = undefined;
      continue;
    }
    fields.set(key, value.trim());
    last = key;
  }
  const parsed = header.safeParse(Object.fromEntries(fields));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ');
    throw invalid(file, issues);
  }
  const h = parsed.data;
  if (`${h.rule}.sql` !== basename(file)) throw invalid(file, `rule id "${h.rule}" must match the file name`);
  const body = withFragments(file, lines.slice(i), fragments).join('\n').trim();
  const used = new Set([...body.matchAll(/\{\{([a-z0-9_]+)\}\}/g)].map((m) => m[1] as string));
  const declared = new Set(thresholds.map((t) => t.name));
  for (const name of used)
    if (!declared.has(name)) throw invalid(file, `{{${name}}} is used but not declared`);
  return {
    id: h.rule,
    file,
    title: h.title,
    severity: h.severity,
    entityType: h.entity,
    episodeGapS: h.episode_gap_s,
    refreshS: h.refresh_s,
    resolveAfterS: h.resolve_after_s,
    traced: h.traced === 'true',
    scored: h.scored === 'true',
    thresholds,
    description: h.description,
    runbook: h.runbook,
    body,
  };
}

/** A line `{{> name}}` in a rule's SQL: the fragment `fragments/name.sql` goes there. */
const INCLUDE = /^(\s*)\{\{>\s*([a-z0-9-]+)\s*\}\}\s*$/;

/**
 * A step several rules share (how accounts are linked, say) is written once, in the rules
 * folder's `fragments/`, and included where a rule needs it, indented like the include line.
 * Its `{{threshold}}` placeholders are the including rule's: it declares them like its own.
 */
function withFragments(file: string, body: string[], fragments: ReadonlyMap<string, string>): string[] {
  return body.flatMap((line) => {
    const m = INCLUDE.exec(line);
    if (!m) return [line];
    const text = fragments.get(m[2] as string);
    if (text === undefined)
      throw invalid(
        file,
        `{{> ${m[2]}}}: no such fragment (known: ${[...fragments.keys()].join(', ') || 'none'})`,
      );
    return text
      .trimEnd()
      .split('\n')
      .map((l) => (l === '' ? l : `${m[1]}${l}`));
  });
}

/** A fragment's leading comment lines say where it is used; they stay in the fragment's file. */
const withoutHeader = (text: string): string => {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => !l.startsWith('--'));
  return lines.slice(first === -1 ? lines.length : first).join('\n');
};

export function loadRuleFiles(dir: string): RuleFile[] {
  const fragmentDir = join(dir, 'fragments');
  const fragments = new Map(
    existsSync(fragmentDir)
      ? readdirSync(fragmentDir)
          .filter((f) => f.endsWith('.sql'))
          .map(
            (f) =>
              [
                f.slice(0, -'.sql'.length),
                withoutHeader(readFileSync(join(fragmentDir, f), 'utf8')),
              ] as const,
          )
      : [],
  );
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseRuleFile(f, readFileSync(join(dir, f), 'utf8'), fragments));
}

function invalid(file: string, message: string): TradewatchError {
  return new TradewatchError(ErrorCode.CONFIG_INVALID, `rule file ${file}: ${message}`);
}
