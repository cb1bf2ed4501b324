import type { z } from 'zod';

/** An alert as the notifier reads it (alerts_current), with its rule's runbook. */
export interface AlertView {
  fingerprint: string;
  alert_id: string;
  rule_id: string;
  severity: 'info' | 'warning' | 'high' | 'critical';
  entity_type: string;
  entity: string;
  related: string[];
  venue: string;
  title: string;
  summary: string;
  evidence: string;
  first_seen: string;
  last_seen: string;
  trigger_at: string;
  detected_at: string;
  effective_status: 'firing' | 'acknowledged' | 'resolved';
  assignee: string;
  runbook: string;
  /**
   * W3C traceparent of the event that triggered the alert ('' when its rule carries none):
   * the notifier's delivery span continues that trace. Not sent to channels.
   */
  trace_parent?: string;
}

export type NotificationKind = 'firing' | 'resolved' | 'repeat';

/** One message to one channel: one alert, or a group of one rule's alerts. */
export interface Notification {
  /** Deterministic: the same deliveries make the same id (the webhook's idempotency key). */
  messageId: string;
  kind: NotificationKind;
  alerts: AlertView[];
  /** One per alert, same order: what the delivery log and receivers de-duplicate on. */
  deliveryIds: string[];
  dashboardUrl: string;
}

export type SendResult =
  | { ok: true; status: number }
  | {
      ok: false;
      status: number;
      /** A transport problem or the peer's fault (5xx, 429, timeout): try again later. */
      retriable: boolean;
      /** The peer said when (429 Retry-After / retry_after), in ms. */
      retryAfterMs?: number;
      /** For logs and the delivery log; never the peer's raw body shown to users. */
      error: string;
    };

export interface Transport {
  readonly type: string;
  /** The exact request body, for dry-run logs and size tests. */
  render(notification: Notification): { body: string; headers: Record<string, string> };
  send(notification: Notification, signal: AbortSignal): Promise<SendResult>;
}

export interface ChannelSpec<S extends z.ZodType> {
  schema: S;
  create(config: z.infer<S>): Transport;
}
