import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { postJudgedByStatus } from './post.js';
import type { ChannelSpec, Notification, Transport } from './types.js';

/**
 * A generic JSON webhook, signed: `X-Tradewatch-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>" with the shared secret>` and `X-Tradewatch-Timestamp` (epoch s), so
 * a receiver can reject forgeries and replays. `Idempotency-Key` is the message id, and the
 * body lists each alert's delivery id: a receiver that remembers them drops a redelivery.
 */
export const webhookSchema = z.object({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'at least 16 characters'),
  timeout_ms: z.number().int().min(100).default(5_000),
});

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(n: Notification): object {
  return {
    message_id: n.messageId,
    kind: n.kind,
    dashboard_url: n.dashboardUrl,
    // trace_parent is tracing plumbing, not part of the payload receivers rely on.
    alerts: n.alerts.map(({ trace_parent: _trace, ...a }, i) => {
      let evidence: unknown = a.evidence;
      try {
        evidence = JSON.parse(a.evidence);
      } catch {
        // Kept as text.
      }
      return { ...a, evidence, delivery_id: n.deliveryIds[i] };
    }),
  };
}

function create(config: z.infer<typeof webhookSchema>): Transport {
  const render = (n: Notification) => {
    const body = JSON.stringify(webhookBody(n));
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': n.messageId,
        'x-tradewatch-timestamp': timestamp,
        'x-tradewatch-signature': signWebhook(config.secret, timestamp, body),
      },
    };
  };
  return {
    type: 'webhook',
    render,
    send: (n, signal) =>
      postJudgedByStatus(config.url, render(n), signal, config.timeout_ms, {
        retriable: (status) => status >= 500 || status === 408,
        error: (status) => `webhook ${status}`,
      }),
  };
}

export const webhookChannel: ChannelSpec<typeof webhookSchema> = { schema: webhookSchema, create };
