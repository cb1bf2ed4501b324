import { createHash } from 'node:crypto';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';
import type { RuleFile, Severity } from './rule-file.js';

/** What the loader installs for one rule: a refreshable view appending to `alerts`. */
export interface RenderedRule {
  rule: RuleFile;
  viewName: string;
  severity: Severity;
  thresholds: Record<string, number>;
  sql: string;
  hash: string;
}

export const viewNameOf = (ruleId: string): string => `alert_rule_${ruleId.replaceAll('-', '_')}`;

const literal = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The rule's thresholds with `overrides` applied: numbers only, and only names the rule declares. */
export function thresholdValues(
  rule: RuleFile,
  overrides: Record<string, number> | undefined,
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const t of rule.thresholds) {
    const v = overrides?.[t.name] ?? t.value;
    if (!Number.isFinite(v))
      throw new TradewatchError(
        ErrorCode.CONFIG_INVALID,
        `rule ${rule.id}: threshold ${t.name} must be a number`,
      );
    values[t.name] = v;
  }
  for (const name of Object.keys(overrides ?? {}))
    if (!(name in values))
      throw new TradewatchError(
        ErrorCode.CONFIG_INVALID,
        `rule ${rule.id}: unknown threshold "${name}" (known: ${Object.keys(values).join(', ')})`,
      );
  return values;
}

/** The rule's SELECT with its `{{name}}` placeholders replaced by `values`. */
export const withThresholds = (rule: RuleFile, values: Record<string, number>): string =>
  rule.body.replace(/\{\{([a-z0-9_]+)\}\}/g, (_, name: string) => String(values[name]));

/**
 * One candidate per entity from the rule's SELECT (`body`, thresholds filled in): what each
 * evaluation yields before it is matched with earlier alerts. The live view and the
 * backtest (alerting/backtest/) both evaluate exactly this.
 */
export function candidatesOf(rule: RuleFile, body: string): string {
  return `        SELECT entity, related, venue, first_seen, last_seen, trigger_at, summary, evidence${rule.traced ? ', trace_parent' : ''}${rule.scored ? ', severity' : ''}
        FROM
        (
${body
  .split('\n')
  .map((l) => `            ${l}`)
  .join('\n')}
        )
        WHERE isNotNull(first_seen) AND first_seen > toDateTime64(0, 3, 'UTC')
        ORDER BY first_seen
        LIMIT 1 BY entity`;
}

/**
 * Substitutes thresholds (numbers only, so nothing but a number reaches the SQL) and wraps
 * the rule's SELECT so that writes are idempotent:
 *  - the rule returns one candidate per entity (entity, related, venue, first_seen,
 *    last_seen, trigger_at, summary, evidence);
 *  - a candidate whose first_seen falls within episode_gap_s of the entity's latest
 *    alert (still open) is that alert again: same fingerprint, written only if last_seen
 *    moved on (a newer version of the row, collapsed by ReplacingMergeTree);
 *  - otherwise it is a new episode: fingerprint = SHA-256(rule, entity, first_seen), the
 *    same on every re-evaluation of the same events, whatever the redelivery or restart.
 * A rule declared `traced` also returns trace_parent, kept like trigger_at (the episode's
 * first one wins); the others render exactly as before and leave the column's default.
 * A rule declared `scored` also returns severity per row (the configured severity stands in
 * for anything else); the others render exactly as before.
 */
export function renderRule(
  rule: RuleFile,
  options: {
    refreshSeconds?: number;
    thresholds?: Record<string, number>;
    severity?: Severity;
    /** The rule's place among all rules: which second of its interval it refreshes in. */
    slot?: number;
  },
): RenderedRule {
  const values = thresholdValues(rule, options.thresholds);
  const body = withThresholds(rule, values);
  const severity = options.severity ?? rule.severity;
  const viewName = viewNameOf(rule.id);
  const every = Math.max(1, Math.round(options.refreshSeconds ?? rule.refreshS));
  // Refreshes start on the clock's interval boundaries: every rule on the same second makes
  // them all contend for the cores at once, and each one's result waits for the slowest. The
  // rules take turns over the seconds of the interval instead (OFFSET, by their place in the
  // folder), so a refresh mostly runs beside half of the others, not all of them.
  const offset = (options.slot ?? 0) % every;
  // Fragments that exist only for traced rules, so an untraced rule's SQL (and hash) is unchanged.
  const t = (fragment: string): string => (rule.traced ? fragment : '');
  const severityOf = rule.scored
    ? `if(c_severity IN ('info', 'warning', 'high', 'critical'), c_severity, ${literal(severity)})`
    : literal(severity);
  const sql = `CREATE MATERIALIZED VIEW ${viewName}
REFRESH EVERY ${every} SECOND${offset > 0 ? ` OFFSET ${offset} SECOND` : ''} APPEND TO alerts AS
WITH ${literal(rule.id)} AS rule
SELECT
    fp AS fingerprint,
    concat(rule, '-', substring(fp, 1, 12)) AS alert_id,
    rule AS rule_id,
    ${severityOf} AS severity,
    ${literal(rule.entityType)} AS entity_type,
    entity, related, venue,
    ${literal(rule.title)} AS title,
    summary, evidence,
    if(same, prev_window, c_first) AS window_start,
    if(same, least(prev_first, c_first), c_first) AS first_seen,
    c_last AS last_seen,
    if(same, prev_trigger, c_trigger) AS trigger_at,
    if(same, prev_detected, now64(3)) AS detected_at,
    'firing' AS status,
    now64(3) AS updated_at${t(`,
    if(same, prev_trace, c_trace) AS trace_parent`)}
FROM
(
    SELECT
        c.entity AS entity, c.related AS related, c.venue AS venue, c.summary AS summary, c.evidence AS evidence,
        toDateTime64(c.first_seen, 3, 'UTC') AS c_first, toDateTime64(c.last_seen, 3, 'UTC') AS c_last,
        toDateTime64(c.trigger_at, 3, 'UTC') AS c_trigger,${
          rule.scored
            ? `
        toString(c.severity) AS c_severity,`
            : ''
        }${t(`
        c.trace_parent AS c_trace, p.prev_trace AS prev_trace,`)}
        p.matched = 1 AND p.prev_status != 'resolved'
            AND c_first <= p.prev_last + INTERVAL ${rule.episodeGapS} SECOND AS same,
        p.prev_window AS prev_window, p.prev_first AS prev_first, p.prev_trigger AS prev_trigger,
        p.prev_detected AS prev_detected, p.prev_last AS prev_last,
        if(same, toString(p.prev_fp), lower(hex(SHA256(concat(rule, '\\0', c.entity, '\\0',
            toString(toUnixTimestamp64Milli(c_first))))))) AS fp
    FROM
    (
${candidatesOf(rule, body)}
    ) AS c
    LEFT JOIN
    (
        SELECT entity, 1 AS matched,
               argMax(fingerprint, last_seen) AS prev_fp, max(last_seen) AS prev_last,
               argMax(window_start, last_seen) AS prev_window, argMax(first_seen, last_seen) AS prev_first,
               argMax(trigger_at, last_seen) AS prev_trigger, argMax(detected_at, last_seen) AS prev_detected,
               argMax(effective_status, last_seen) AS prev_status${t(`,
               argMax(trace_parent, last_seen) AS prev_trace`)}
        FROM alerts_current
        WHERE rule_id = rule
        GROUP BY entity
    ) AS p ON p.entity = c.entity
    -- Nothing new since the entity's latest alert: write nothing (idempotent re-evaluation).
    WHERE p.matched = 0 OR c_last > p.prev_last
)
SETTINGS join_use_nulls = 0`;
  const hash = createHash('sha256').update(sql).digest('hex');
  return { rule, viewName, severity, thresholds: values, sql, hash };
}
