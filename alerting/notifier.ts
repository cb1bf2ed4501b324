import { messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { Counter, Gauge, type Registry } from '../lib/service/metrics.js';
import { sleep } from '../lib/time.js';
import { createTransport } from './channels/index.js';
import type { Transport } from './channels/types.js';
import type { Routing } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { plan } from './planner.js';
import type { AlertStore } from './store.js';

export interface NotifierOptions {
  store: AlertStore;
  routing: Routing;
  log: Logger;
  registry: Registry;
  pollIntervalMs: number;
  lookbackHours: number;
  dryRun: boolean;
}

/**
 * The notifier loop: every poll (500 ms by default) reads open and recent alerts, silences
 * and rule metadata from ClickHouse, marks self-resolving alerts resolved, plans what is due
 * (planner.ts) and hands messages to the per-channel dispatcher. What has been delivered is
 * read from the delivery log once at start; after that this process is its only writer.
 * One notifier per database: two would both send (see docs/alerting.md).
 */
export class Notifier {
  readonly #o: NotifierOptions;
  readonly #seenAt = new Map<string, number>();
  #dispatcher: Dispatcher | undefined;
  #stopping = false;
  #loop: Promise<void> | undefined;
  lastPollOkAt = 0;
  readonly #polls: Counter;
  readonly #held: Gauge;

  constructor(options: NotifierOptions) {
    this.#o = options;
    this.#polls = new Counter({
      name: 'tradewatch_notifier_polls_total',
      help: 'Notifier polls by outcome',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
    this.#held = new Gauge({
      name: 'tradewatch_notifier_held_notifications',
      help: 'Notifications held back at the last poll, by reason',
      labelNames: ['reason'],
      registers: [options.registry],
    });
  }

  get pendingDeliveries(): number {
    return this.#dispatcher?.pending ?? 0;
  }

  async start(): Promise<void> {
    const transports = new Map<string, Transport>();
    for (const [name, config] of Object.entries(this.#o.routing.channels))
      transports.set(name, createTransport(config as { type: string } & Record<string, unknown>));
    const state = await this.#o.store.deliveryState();
    this.#o.log.info(
      { finishedDeliveries: state.done.size, channels: [...transports.keys()] },
      'notifier started',
    );
    this.#dispatcher = new Dispatcher({
      store: this.#o.store,
      transports,
      log: this.#o.log,
      registry: this.#o.registry,
      dryRun: this.#o.dryRun,
      dashboardUrl: this.#o.routing.grafana_url,
      retry: this.#o.routing.retry,
      done: state.done,
      attempts: state.attempts,
    });
    this.#loop = this.#run(state.done);
  }

  async #run(done: Set<string>): Promise<void> {
    const dispatcher = this.#dispatcher as Dispatcher;
    while (!this.#stopping) {
      const started = Date.now();
      try {
        await this.pollOnce(done, dispatcher);
        this.lastPollOkAt = Date.now();
        this.#polls.inc({ outcome: 'ok' });
      } catch (err) {
        this.#polls.inc({ outcome: 'error' });
        this.#o.log.error({ err: messageOf(err) }, 'poll failed; retrying at the next interval');
      }
      await sleep(Math.max(0, this.#o.pollIntervalMs - (Date.now() - started)));
    }
  }

  async pollOnce(done: Set<string>, dispatcher: Dispatcher): Promise<void> {
    const [alerts, silences, rules] = await Promise.all([
      this.#o.store.alerts(this.#o.lookbackHours),
      this.#o.store.activeSilences(),
      this.#o.store.rules(),
    ]);
    const now = Date.now();
    for (const a of alerts) if (!this.#seenAt.has(a.fingerprint)) this.#seenAt.set(a.fingerprint, now);
    const p = plan({
      alerts,
      routing: this.#o.routing,
      silences,
      rules,
      done,
      busy: dispatcher.busy,
      seenAt: this.#seenAt,
      now,
    });
    for (const a of p.autoResolve) {
      await this.#o.store.recordAction({
        fingerprint: a.fingerprint,
        alert_id: a.alert_id,
        action: 'auto_resolve',
        actor: 'notifier',
        via: 'notifier',
        note: `condition not seen since ${a.last_seen}`,
      });
      this.#o.log.info({ alert: a.alert_id }, 'alert resolved: condition cleared');
    }
    this.#held.set({ reason: 'silenced' }, p.silenced);
    this.#held.set({ reason: 'inhibited' }, p.inhibited);
    this.#held.set({ reason: 'group_wait' }, p.waiting);
    this.#held.set({ reason: 'mute_window' }, p.muted);
    for (const m of p.messages) dispatcher.enqueue(m);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await this.#dispatcher?.stop();
  }
}
