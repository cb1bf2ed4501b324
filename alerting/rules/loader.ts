import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClickHouseClient, queryRows } from '../../lib/clickhouse/client.js';
import { ErrorCode, messageOf, TradewatchError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { type RenderedRule, renderRule, viewNameOf } from './render.js';
import { loadRuleFiles, type Severity } from './rule-file.js';

export const RULES_DIR = join(dirname(fileURLToPath(import.meta.url)));

export interface RuleSettings {
  enabled?: boolean;
  refresh_s?: number;
  severity?: Severity;
  thresholds?: Record<string, number>;
}

export interface LoadReport {
  installed: string[];
  unchanged: string[];
  removed: string[];
}

/** Renders every rule file with its settings; a bad file or setting fails before anything is installed. */
export function renderRules(options: {
  dir?: string;
  /** Overrides every rule's refresh_s (tests); a rule's own setting wins over its file. */
  refreshSeconds?: number;
  settings?: Record<string, RuleSettings>;
  /** Install only these rules (tests, the detection report); the others are left as they are. */
  only?: readonly string[];
}): { rendered: RenderedRule[]; disabled: string[] } {
  const files = loadRuleFiles(options.dir ?? RULES_DIR);
  const known = new Set(files.map((f) => f.id));
  for (const id of Object.keys(options.settings ?? {}))
    if (!known.has(id))
      throw new TradewatchError(
        ErrorCode.CONFIG_INVALID,
        `rules.${id}: no such rule (known: ${[...known].join(', ')})`,
      );
  const rendered: RenderedRule[] = [];
  const disabled: string[] = [];
  for (const [slot, file] of files.entries()) {
    if (options.only && !options.only.includes(file.id)) continue;
    const s = options.settings?.[file.id];
    if (s?.enabled === false) {
      disabled.push(file.id);
      continue;
    }
    rendered.push(
      renderRule(file, {
        ...(s?.refresh_s !== undefined || options.refreshSeconds !== undefined
          ? { refreshSeconds: s?.refresh_s ?? options.refreshSeconds }
          : {}),
        ...(s?.thresholds ? { thresholds: s.thresholds } : {}),
        ...(s?.severity ? { severity: s.severity } : {}),
        slot,
      }),
    );
  }
  return { rendered, disabled };
}

/**
 * Installs the rules as refreshable materialized views, idempotently: a view whose rendered
 * definition (SQL with thresholds) is unchanged is left alone, so its refresh schedule is
 * not disturbed; a changed one is dropped and created again; a disabled one is dropped.
 * `alert_rules` records what is installed (metadata and runbooks for the notifier and dashboards).
 */
export async function installRules(
  clickhouse: ClickHouseClient,
  log: Logger,
  options: Parameters<typeof renderRules>[0],
): Promise<LoadReport> {
  const { rendered, disabled } = renderRules(options);
  const installedHashes = new Map(
    (
      await queryRows<{ rule_id: string; definition_hash: string }>(
        clickhouse,
        'SELECT rule_id, argMax(definition_hash, installed_at) AS definition_hash FROM alert_rules GROUP BY rule_id',
      )
    ).map((r) => [r.rule_id, r.definition_hash]),
  );
  const views = new Set(
    (
      await queryRows<{ name: string }>(
        clickhouse,
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'alert\\_rule\\_%'",
      )
    ).map((r) => r.name),
  );
  const report: LoadReport = { installed: [], unchanged: [], removed: [] };
  for (const r of rendered) {
    if (views.has(r.viewName) && installedHashes.get(r.rule.id) === r.hash) {
      report.unchanged.push(r.rule.id);
      continue;
    }
    try {
      await clickhouse.command({ query: `DROP VIEW IF EXISTS ${r.viewName} SYNC` });
      await clickhouse.command({ query: r.sql });
    } catch (err) {
      throw new TradewatchError(
        ErrorCode.MIGRATION_FAILED,
        `rule ${r.rule.id} (${r.rule.file}) could not be installed: ${messageOf(err)}`,
        { cause: err },
      );
    }
    await clickhouse.insert({
      table: 'alert_rules',
      format: 'JSONEachRow',
      values: [
        {
          rule_id: r.rule.id,
          title: r.rule.title,
          severity: r.severity,
          entity_type: r.rule.entityType,
          description: r.rule.description,
          runbook: r.rule.runbook,
          thresholds: JSON.stringify(r.thresholds),
          resolve_after_s: r.rule.resolveAfterS,
          view_name: r.viewName,
          definition_hash: r.hash,
        },
      ],
    });
    report.installed.push(r.rule.id);
  }
  for (const id of disabled) {
    if (!views.has(viewNameOf(id))) continue;
    await clickhouse.command({ query: `DROP VIEW IF EXISTS ${viewNameOf(id)} SYNC` });
    report.removed.push(id);
  }
  log.info(report, 'alert rules installed');
  return report;
}

/** Runs a rule's view now and waits for it: tests and the detection report use it. */
export async function refreshRuleNow(clickhouse: ClickHouseClient, ruleId: string): Promise<void> {
  const view = viewNameOf(ruleId);
  await clickhouse.command({ query: `SYSTEM REFRESH VIEW ${view}` });
  await clickhouse.command({ query: `SYSTEM WAIT VIEW ${view}` });
}
