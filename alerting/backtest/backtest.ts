import { type ClickHouseClient, queryRows } from '../../lib/clickhouse/client.js';
import { ErrorCode, TradewatchError } from '../../lib/errors.js';
import { RULES_DIR } from '../rules/loader.js';
import { candidatesOf, thresholdValues, withThresholds } from '../rules/render.js';
import { loadRuleFiles, type RuleFile } from '../rules/rule-file.js';
import { catches, RULE_OF } from '../scenario-match.js';
import { chTimeMs } from '../store.js';
import { type AsOfTable, asOfSettings, chInstant, tablesRead, withClockAt } from './as-of.js';

/**
 * `tradewatch rules backtest`: what a rule would have raised over stored facts. The rule's
 * candidate query (the same text the live view evaluates, render.ts) runs at each step
 * from `from` to `to`, each time seeing only facts up to that moment (as-of.ts); the
 * candidates are then collapsed into alerts the way the live view does: a candidate that
 * starts within the rule's episode_gap_s of the entity's open alert is that alert again,
 * and a self-resolving rule's alert unseen for resolve_after_s is resolved. Nothing is
 * written: `alerts` and every other table are only read.
 */

/** More evaluations than this is a mistake (a year at 2 s steps); ask for a longer --step. */
export const MAX_EVALUATIONS = 20_000;

export interface BacktestOptions {
  ruleId: string;
  fromMs: number;
  toMs: number;
  /** Between evaluations; default the rule's refresh_s. */
  stepMs?: number;
  thresholds?: Record<string, number>;
  /** Rule files (tests); default alerting/rules. */
  dir?: string;
}

/** One alert the rule would have raised: an episode of candidates for one entity. */
export interface BacktestAlert {
  entity: string;
  related: string[];
  first_seen: string;
  last_seen: string;
  /** The first evaluation that raised it (when it would have been detected). */
  detected_at: string;
  /** The evaluation that resolved it (self-resolving rules), or '' when still open at `to`. */
  resolved_at: string;
  /** Evaluations that saw it (the candidate appeared). */
  evaluations: number;
  summary: string;
  evidence: string;
}

export interface ScenarioVerdict {
  scenario: string;
  entity: string;
  caught: boolean;
}

export interface BacktestResult {
  rule: string;
  thresholds: Record<string, number>;
  from: string;
  to: string;
  step_ms: number;
  evaluations: number;
  elapsed_ms: number;
  /** Tables cut at each evaluation's moment, and those read whole (no time column). */
  tables: AsOfTable[];
  alerts: BacktestAlert[];
  /** Simulator labels of this rule's scenario within the range (empty when the run has none). */
  scenarios: ScenarioVerdict[];
}

interface Candidate {
  entity: string;
  related: string[];
  first_seen: string;
  last_seen: string;
  summary: string;
  evidence: string;
}

export function findRule(ruleId: string, dir = RULES_DIR): RuleFile {
  const files = loadRuleFiles(dir);
  const rule = files.find((f) => f.id === ruleId);
  if (!rule)
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      `rule "${ruleId}": no such rule (known: ${files.map((f) => f.id).join(', ')})`,
    );
  return rule;
}

/** Evaluates the rule at every step and collapses its candidates into alerts. */
export async function backtestRule(
  clickhouse: ClickHouseClient,
  options: BacktestOptions,
): Promise<BacktestResult> {
  const started = Date.now();
  const rule = findRule(options.ruleId, options.dir);
  const thresholds = thresholdValues(rule, options.thresholds);
  const stepMs = options.stepMs ?? rule.refreshS * 1000;
  const { fromMs, toMs } = options;
  if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs <= toMs))
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, 'backtest: --from must not be after --to');
  if (!(Number.isInteger(stepMs) && stepMs >= 100))
    throw new TradewatchError(ErrorCode.CONFIG_INVALID, 'backtest: --step must be at least 100 ms');
  const evaluations = Math.floor((toMs - fromMs) / stepMs) + 1;
  if (evaluations > MAX_EVALUATIONS)
    throw new TradewatchError(
      ErrorCode.CONFIG_INVALID,
      `backtest: ${evaluations} evaluations from --from to --to at a ${stepMs} ms step (at most ${MAX_EVALUATIONS}): give a longer --step or a shorter range`,
    );
  const query = candidatesOf(rule, withThresholds(rule, thresholds));
  const [{ db } = { db: 'default' }] = await queryRows<{ db: string }>(
    clickhouse,
    'SELECT currentDatabase() AS db',
  );
  let tables: AsOfTable[];
  try {
    tables = await tablesRead(clickhouse, db, withClockAt(query, toMs));
  } catch (err) {
    if (err instanceof TradewatchError)
      throw new TradewatchError(ErrorCode.CONFIG_INVALID, `rule ${rule.id} ${err.message}`);
    throw err;
  }

  const episodes = new Collapser(rule);
  for (let at = fromMs; at <= toMs; at += stepMs) {
    const rows = await queryRows<Candidate>(
      clickhouse,
      `SELECT entity, related, toString(toDateTime64(first_seen, 3, 'UTC')) AS first_seen,
              toString(toDateTime64(last_seen, 3, 'UTC')) AS last_seen, summary, evidence
       FROM (${withClockAt(query, at)})
       ${asOfSettings(tables, at)}`,
    ).catch((err: unknown) => {
      throw new TradewatchError(
        ErrorCode.CLICKHOUSE_QUERY_FAILED,
        `rule ${rule.id} evaluated as of ${chInstant(at)}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    });
    episodes.evaluate(at, rows);
  }
  const alerts = episodes.alerts();
  return {
    rule: rule.id,
    thresholds,
    from: chInstant(fromMs),
    to: chInstant(toMs),
    step_ms: stepMs,
    evaluations,
    elapsed_ms: Date.now() - started,
    tables,
    alerts,
    scenarios: await scenarioVerdicts(clickhouse, rule.id, fromMs, toMs, alerts),
  };
}

/** The live view's episode rule (render.ts) and the notifier's auto-resolve (planner.ts), replayed. */
class Collapser {
  private readonly done: BacktestAlert[] = [];
  private readonly open = new Map<string, BacktestAlert>();

  constructor(private readonly rule: RuleFile) {}

  evaluate(at: number, candidates: readonly Candidate[]): void {
    const resolveAfterMs = this.rule.resolveAfterS * 1000;
    if (resolveAfterMs > 0)
      for (const [entity, a] of this.open)
        if (at - chTimeMs(a.last_seen) > resolveAfterMs) {
          a.resolved_at = chInstant(at);
          this.done.push(a);
          this.open.delete(entity);
        }
    for (const c of candidates) {
      const prev = this.open.get(c.entity);
      if (prev && chTimeMs(c.first_seen) <= chTimeMs(prev.last_seen) + this.rule.episodeGapS * 1000) {
        prev.evaluations += 1;
        if (chTimeMs(c.last_seen) > chTimeMs(prev.last_seen)) {
          prev.last_seen = c.last_seen;
          prev.summary = c.summary;
          prev.evidence = c.evidence;
          prev.related = c.related;
        }
        continue;
      }
      if (prev) this.done.push(prev);
      this.open.set(c.entity, {
        entity: c.entity,
        related: c.related,
        first_seen: c.first_seen,
        last_seen: c.last_seen,
        detected_at: chInstant(at),
        resolved_at: '',
        evaluations: 1,
        summary: c.summary,
        evidence: c.evidence,
      });
    }
  }

  alerts(): BacktestAlert[] {
    return [...this.done, ...this.open.values()].sort(
      (a, b) => chTimeMs(a.detected_at) - chTimeMs(b.detected_at) || a.entity.localeCompare(b.entity),
    );
  }
}

/** The simulator's labels for this rule's scenario that started within the range, each caught or missed. */
async function scenarioVerdicts(
  clickhouse: ClickHouseClient,
  ruleId: string,
  fromMs: number,
  toMs: number,
  alerts: readonly BacktestAlert[],
): Promise<ScenarioVerdict[]> {
  const scenarios = Object.entries(RULE_OF)
    .filter(([, rule]) => rule === ruleId)
    .map(([scenario]) => scenario);
  if (scenarios.length === 0) return [];
  const labels = await queryRows<{ scenario: string; entity: string }>(
    clickhouse,
    `SELECT DISTINCT toString(scenario) AS scenario, entity FROM sim_labels
     WHERE toString(scenario) IN {scenarios:Array(String)}
       AND start_at >= {from:DateTime64(3, 'UTC')} AND start_at <= {to:DateTime64(3, 'UTC')}
     ORDER BY scenario, entity`,
    { scenarios, from: chInstant(fromMs), to: chInstant(toMs) },
  );
  return labels.map((l) => ({
    ...l,
    caught: alerts.some((a) =>
      catches(
        {
          fingerprint: '',
          rule_id: ruleId,
          entity: a.entity,
          related: a.related,
          trigger_at: '',
          detected_at: '',
        },
        l,
      ),
    ),
  }));
}
