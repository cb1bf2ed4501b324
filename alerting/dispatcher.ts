import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { withSpanFromTraceParents } from '../lib/observability/kafka-context.js';
import { Counter, Histogram, type Registry } from '../lib/service/metrics.js';
import type { Notification, SendResult, Transport } from './channels/types.js';
import type { PlannedMessage } from './planner.js';
import type { AlertStore, DeliveryRow } from './store.js';

/** Full jitter: a random wait up to the exponential bound, so retries from many alerts spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const bound = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(bound / 2 + random() * (bound / 2));
}

type Retry = { retryAfterMs: number | undefined };

export interface DispatcherOptions {
  store: AlertStore;
  transports: Map<string, Transport>;
  log: Logger;
  registry: Registry;
  dryRun: boolean;
  dashboardUrl: string;
  retry: { base_ms: number; max_ms: number };
  /** Finished deliveries (shared with the planner). */
  done: Set<string>;
  attempts: Map<string, number>;
}

/**
 * One worker per channel, sending its messages one at a time (chat APIs rate-limit per
 * channel, and order matters to readers). Each attempt is written to the delivery log
 * before the request ('intent') and after it (outcome). A retriable failure waits (backoff
 * with jitter, or the peer's Retry-After) and tries the same message again, for as long as
 * it takes: an outage delays alerts, it never drops them. A refusal for good (4xx: the
 * payload is wrong) is logged as 'rejected' and counted, not retried forever.
 */
export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #queues = new Map<string, PlannedMessage[]>();
  readonly #running = new Map<string, Promise<void>>();
  readonly busy = new Set<string>();
  readonly #abort = new AbortController();
  readonly #sent: Counter;
  readonly #duration: Histogram;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#sent = new Counter({
      name: 'tradewatch_notifier_deliveries_total',
      help: 'Notification attempts by channel and outcome',
      labelNames: ['channel', 'channel_type', 'outcome'],
      registers: [options.registry],
    });
    this.#duration = new Histogram({
      name: 'tradewatch_notifier_send_duration_seconds',
      help: 'Time of one send to a channel',
      labelNames: ['channel_type'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [options.registry],
    });
  }

  get pending(): number {
    return this.busy.size;
  }

  enqueue(message: PlannedMessage): void {
    for (const d of message.deliveries) this.busy.add(d.deliveryId);
    const queue = this.#queues.get(message.channel) ?? [];
    queue.push(message);
    this.#queues.set(message.channel, queue);
    if (!this.#running.has(message.channel)) {
      const run = this.#work(message.channel).finally(() => this.#running.delete(message.channel));
      this.#running.set(message.channel, run);
    }
  }

  /** Stops retrying and waits for the sends in flight (their outcome is logged). */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#running.values()]);
  }

  async #work(channel: string): Promise<void> {
    const queue = this.#queues.get(channel) as PlannedMessage[];
    while (queue.length > 0 && !this.#abort.signal.aborted) {
      const message = queue[0] as PlannedMessage;
      const outcome = await this.#deliver(channel, message).catch((err: unknown): Retry => {
        // The delivery log itself failed (ClickHouse down): keep the message, try again later.
        this.#o.log.error({ err, channel }, 'delivery bookkeeping failed; retrying');
        return { retryAfterMs: undefined };
      });
      if (outcome === true) {
        queue.shift();
        for (const d of message.deliveries) this.busy.delete(d.deliveryId);
      } else {
        const attempt = this.#o.attempts.get(message.deliveries[0]?.deliveryId ?? '') ?? 1;
        await this.#wait(
          outcome.retryAfterMs ?? backoffMs(attempt, this.#o.retry.base_ms, this.#o.retry.max_ms),
        );
      }
    }
    if (this.#abort.signal.aborted)
      for (const m of queue) for (const d of m.deliveries) this.busy.delete(d.deliveryId);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * One attempt in a `deliver <channel>` CLIENT span that continues the trace of the event
   * behind the alert (its trace_parent; a grouped message links the other alerts' traces),
   * so one trace runs producer → Kafka → ClickHouse fact → rule → this delivery.
   */
  #deliver(channel: string, message: PlannedMessage): Promise<true | Retry> {
    const transport = this.#o.transports.get(channel) as Transport;
    return withSpanFromTraceParents(
      `deliver ${channel}`,
      message.deliveries.map((d) => d.alert.trace_parent ?? ''),
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'tradewatch.channel': channel,
          'tradewatch.channel_type': transport.type,
          'tradewatch.notification.kind': message.kind,
          'tradewatch.message_id': message.messageId,
          'tradewatch.alert_ids': message.deliveries.map((d) => d.alert.alert_id),
        },
      },
      (span) => this.#attempt(channel, transport, message, span),
    );
  }

  /** One attempt; true when the message is finished (sent, dry-run or refused for good). */
  async #attempt(
    channel: string,
    transport: Transport,
    message: PlannedMessage,
    span: Span,
  ): Promise<true | Retry> {
    const notification: Notification = {
      messageId: message.messageId,
      kind: message.kind,
      alerts: message.deliveries.map((d) => d.alert),
      deliveryIds: message.deliveries.map((d) => d.deliveryId),
      dashboardUrl: this.#o.dashboardUrl,
    };
    const attempt = Math.max(...message.deliveries.map((d) => this.#o.attempts.get(d.deliveryId) ?? 0)) + 1;
    for (const d of message.deliveries) this.#o.attempts.set(d.deliveryId, attempt);
    span.setAttribute('tradewatch.delivery.attempt', attempt);
    const rows = (
      outcome: DeliveryRow['outcome'],
      status: number,
      error: string,
      ms: number,
    ): DeliveryRow[] =>
      message.deliveries.map((d) => ({
        delivery_id: d.deliveryId,
        fingerprint: d.alert.fingerprint,
        alert_id: d.alert.alert_id,
        rule_id: d.alert.rule_id,
        channel,
        channel_type: transport.type,
        kind: d.kindKey,
        attempt,
        outcome,
        http_status: status,
        error,
        duration_ms: Math.round(ms),
        message_id: message.messageId,
      }));
    if (this.#o.dryRun) {
      const { body } = transport.render(notification);
      this.#o.log.info(
        { channel, kind: message.kind, alerts: notification.alerts.length, body },
        'dry run: not sent',
      );
      await this.#o.store.logDeliveries(rows('dry_run', 0, '', 0));
      span.setAttribute('tradewatch.delivery.outcome', 'dry_run');
      this.#finish(message, 'dry_run', transport.type);
      return true;
    }
    await this.#o.store.logDeliveries(rows('intent', 0, '', 0));
    const started = performance.now();
    const result: SendResult = await transport
      .send(notification, this.#abort.signal)
      .catch((err: unknown) => ({
        ok: false as const,
        status: 0,
        retriable: true,
        error: `transport error: ${messageOf(err)}`.slice(0, 200),
      }));
    const ms = performance.now() - started;
    this.#duration.observe({ channel_type: transport.type }, ms / 1000);
    span.setAttribute('http.response.status_code', result.status);
    if (result.ok) {
      await this.#o.store.logDeliveries(rows('sent', result.status, '', ms));
      span.setAttribute('tradewatch.delivery.outcome', 'sent');
      this.#finish(message, 'sent', transport.type);
      return true;
    }
    const outcome = result.retriable ? 'failed' : 'rejected';
    await this.#o.store.logDeliveries(rows(outcome, result.status, result.error, ms));
    span.setAttribute('tradewatch.delivery.outcome', outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.error });
    this.#sent.inc({ channel, channel_type: transport.type, outcome }, message.deliveries.length);
    this.#o.log.warn(
      { channel, attempt, status: result.status, error: result.error, alerts: notification.alerts.length },
      result.retriable ? 'delivery failed; will retry' : 'delivery refused by the channel; not retried',
    );
    if (!result.retriable) {
      for (const d of message.deliveries) this.#o.done.add(d.deliveryId);
      return true;
    }
    return {
      retryAfterMs:
        result.retryAfterMs === undefined ? undefined : Math.min(result.retryAfterMs, 15 * 60_000),
    };
  }

  #finish(message: PlannedMessage, outcome: string, type: string): void {
    for (const d of message.deliveries) this.#o.done.add(d.deliveryId);
    this.#sent.inc({ channel: message.channel, channel_type: type, outcome }, message.deliveries.length);
  }
}
