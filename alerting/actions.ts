import type { AlertView } from './channels/types.js';
import { type AlertAction, type AlertStore, OUTCOMES, type Outcome } from './store.js';

/**
 * People's actions on an alert, for every front end that is not the CLI (the web console,
 * Slack and Telegram buttons): checked, versioned, and written to the same audit trail
 * (alert_actions) through AlertStore.
 *
 * Optimistic concurrency: the caller says which version it saw (the count of the alert's
 * actions); if someone acted since, the action is refused with a conflict and nothing is
 * written. Check and write run under one lock per alert, so two requests to this process
 * cannot both pass the check. Writers in other processes (the CLI) are not serialised with
 * it: run one console per database, as one notifier.
 */
export type HumanAction = Extract<AlertAction, 'acknowledge' | 'assign' | 'resolve' | 'reopen' | 'note'>;
export const HUMAN_ACTIONS: readonly HumanAction[] = ['acknowledge', 'assign', 'resolve', 'reopen', 'note'];

export interface ActionRequest {
  alert: string;
  action: HumanAction;
  actor: string;
  via: string;
  /** The version the actor saw; undefined skips the check (a chat button: see below). */
  expectedVersion?: number | undefined;
  assignee?: string | undefined;
  outcome?: Outcome | undefined;
  note?: string | undefined;
}

export type ActionResult =
  | { ok: true; alert: AlertView; version: number; changed: boolean }
  | { ok: false; code: 'not_found' | 'invalid' | 'conflict'; message: string; version?: number };

const MAX_NOTE = 4000;

export class AlertActions {
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(private readonly store: AlertStore) {}

  async perform(r: ActionRequest): Promise<ActionResult> {
    const problem = invalid(r);
    if (problem) return { ok: false, code: 'invalid', message: problem };
    const alert = await this.store.alert(r.alert);
    if (!alert) return { ok: false, code: 'not_found', message: `no alert "${r.alert}"` };
    return this.#serialised(alert.fingerprint, async () => {
      const version = await this.store.actionVersion(alert.fingerprint);
      if (r.expectedVersion !== undefined && r.expectedVersion !== version)
        return {
          ok: false,
          code: 'conflict',
          version,
          message: `${alert.alert_id} changed since you loaded it (version ${r.expectedVersion}, now ${version}): reload and try again`,
        };
      // A button pressed twice, or a chat retry, asks for what is already true: no second row.
      if (alreadyTrue(alert, r)) return { ok: true, alert, version, changed: false };
      await this.store.recordAction({
        fingerprint: alert.fingerprint,
        alert_id: alert.alert_id,
        action: r.action,
        actor: r.actor,
        via: r.via,
        ...(r.assignee ? { assignee: r.assignee } : {}),
        ...(r.outcome ? { outcome: r.outcome } : {}),
        ...(r.note ? { note: r.note } : {}),
      });
      const updated = (await this.store.alert(alert.fingerprint)) ?? alert;
      return { ok: true, alert: updated, version: version + 1, changed: true };
    });
  }

  async #serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.#locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}

function invalid(r: ActionRequest): string | undefined {
  if (!HUMAN_ACTIONS.includes(r.action)) return `action "${r.action}": one of ${HUMAN_ACTIONS.join(', ')}`;
  if (!r.actor) return 'actor: required';
  if (r.action === 'assign' && !/^[A-Za-z0-9._@:-]{1,64}$/.test(r.assignee ?? ''))
    return 'assignee: 1-64 letters, digits, ".", "_", "@", ":" or "-"';
  if (r.action === 'resolve' && !(OUTCOMES as readonly string[]).includes(r.outcome ?? ''))
    return `outcome: one of ${OUTCOMES.join(', ')}`;
  if (r.action !== 'resolve' && r.outcome) return 'outcome: only with resolve';
  if (r.action === 'note' && !r.note?.trim()) return 'note: required for a note';
  if ((r.note?.length ?? 0) > MAX_NOTE) return `note: at most ${MAX_NOTE} characters`;
  return undefined;
}

function alreadyTrue(a: AlertView, r: ActionRequest): boolean {
  if (r.note) return false;
  if (r.action === 'acknowledge') return a.effective_status !== 'firing';
  if (r.action === 'assign') return a.assignee === r.assignee;
  if (r.action === 'resolve') return a.effective_status === 'resolved';
  if (r.action === 'reopen') return a.effective_status !== 'resolved';
  return false;
}
