import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../lib/clickhouse/client.js';
import { topics } from '../lib/contracts/topics.js';
import { EventProducer } from '../lib/kafka/producer.js';
import { startTelemetry, type Telemetry } from '../lib/observability/telemetry.js';
import { createMetricsRegistry } from '../lib/service/metrics.js';
import { waitFor } from '../lib/time.js';
import { aLogin, aWithdrawal } from '../test/engine-user-builders.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../test/otlp-receiver.js';
import { type Pipeline, startPipeline, testLog } from '../test/pipeline-fixture.js';
import { parseRouting } from './config.js';
import { Notifier } from './notifier.js';
import { installRules, refreshRuleNow } from './rules/loader.js';
import { AlertStore } from './store.js';
import { type ChatPeer, startWebhookPeer } from './testing/chat-peers.js';

const SECRET = 'webhook-secret-for-trace-test';

/**
 * One trace from the producer to the notifier across ClickHouse: EventProducer's `send`
 * span → `traceparent` Kafka header → user_funds.trace_parent (Kafka engine `_headers`,
 * migration 0120) → the account-takeover alert's trace_parent → the notifier's
 * `deliver <channel>` span, a child of the withdrawal's send span. Real broker, engine,
 * webhook peer and OTLP receiver on loopback.
 */
describe('trace context from producer to notifier', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let pipeline: Pipeline;
  let webhook: ChatPeer;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry('trace-e2e-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    [pipeline, webhook] = await Promise.all([startPipeline(), startWebhookPeer(SECRET)]);
    await installRules(pipeline.clickhouse, testLog, { only: ['account-takeover'], refreshSeconds: 3600 });
  });

  afterAll(async () => {
    await telemetry?.shutdown();
    await Promise.all([receiver?.close(), webhook?.close()]);
    await pipeline?.close();
  });

  it("makes the webhook delivery span a child of the withdrawal's producer span", async () => {
    expect(telemetry.enabled).toBe(true);
    const prefix = pipeline.config.KAFKA_TOPIC_PREFIX;
    const now = Date.now();
    const producer = await EventProducer.connect(pipeline.kafka, pipeline.config, testLog);
    try {
      await producer.produce(topics.userLogins, [
        aLogin({ account_id: 'acc-traced', ip: '198.51.100.23', occurred_at: now - 60_000 }),
      ]);
      await producer.produce(topics.userFunds, [
        aWithdrawal({
          account_id: 'acc-traced',
          asset: 'BTC',
          amount: 3,
          transfer_id: 'w-traced',
          occurred_at: now - 30_000,
        }),
      ]);
    } finally {
      await producer.close();
    }
    await telemetry.flush();
    const sendSpan = (topic: string) =>
      waitFor(
        `the send span of ${topic}`,
        async () => receiver.spans.find((s) => s.name === `send ${prefix}${topic}`),
        { timeoutMs: 10_000 },
      );
    const sendLogin = await sendSpan('user.logins');
    const sendWithdrawal = await sendSpan('user.funds');
    const traceparent = (s: ReceivedSpan) => `00-${s.traceId}-${s.spanId}-01`;

    // The Kafka engine kept each message's traceparent header in its fact row.
    const factTrace = (table: string) =>
      waitFor(
        `the traced row in ${table}`,
        async () =>
          (
            await queryRows<{ trace_parent: string }>(
              pipeline.clickhouse,
              `SELECT trace_parent FROM ${table} WHERE account_id = 'acc-traced'`,
            )
          )[0]?.trace_parent,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    expect(await factTrace('user_logins')).toBe(traceparent(sendLogin));
    expect(await factTrace('user_funds')).toBe(traceparent(sendWithdrawal));

    // The rule keeps the triggering withdrawal's trace on the alert.
    await refreshRuleNow(pipeline.clickhouse, 'account-takeover');
    const alerts = await queryRows<{ alert_id: string; trace_parent: string }>(
      pipeline.clickhouse,
      "SELECT alert_id, trace_parent FROM alerts FINAL WHERE entity = 'acc-traced'",
    );
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [{ alert_id: string; trace_parent: string }];
    expect(alert.trace_parent).toBe(traceparent(sendWithdrawal));

    const notifier = new Notifier({
      store: new AlertStore(pipeline.clickhouse),
      routing: parseRouting({
        channels: { hook: { type: 'webhook', url: webhook.url, secret: SECRET, timeout_ms: 3000 } },
        routes: [{ channels: ['hook'], group_max_alerts: 1 }],
        retry: { base_ms: 100, max_ms: 1000 },
      }),
      log: testLog,
      registry: createMetricsRegistry('trace-e2e-test'),
      pollIntervalMs: 200,
      lookbackHours: 24,
      dryRun: false,
    });
    await notifier.start();
    try {
      await waitFor('the webhook delivery', async () => (webhook.delivered().length > 0 ? true : undefined), {
        timeoutMs: 15_000,
      });
    } finally {
      await notifier.stop();
    }
    const body = webhook.delivered()[0] as { alerts: Array<Record<string, unknown>> };
    expect(body.alerts.map((a) => a.alert_id)).toEqual([alert.alert_id]);
    // Tracing plumbing stays out of the webhook payload.
    expect(body.alerts[0]).not.toHaveProperty('trace_parent');

    await telemetry.flush();
    const deliver = await waitFor(
      'the delivery span at the receiver',
      async () => receiver.spans.find((s) => s.name === 'deliver hook'),
      { timeoutMs: 10_000 },
    );
    expect(receiver.refused).toEqual([]);
    expect(deliver).toMatchObject({ service: 'trace-e2e-test', kind: 3, traceId: sendWithdrawal.traceId });
    expect(deliver.attributes).toMatchObject({
      'tradewatch.channel': 'hook',
      'tradewatch.channel_type': 'webhook',
      'tradewatch.delivery.outcome': 'sent',
      'http.response.status_code': 204,
    });
    // Walk the parent chain among the spans received: it reaches the withdrawal's send span.
    const chain: string[] = [];
    for (
      let s: ReceivedSpan | undefined = deliver;
      s?.parentSpanId;
      s = receiver.spans.find((x) => x.traceId === deliver.traceId && x.spanId === s?.parentSpanId)
    )
      chain.push(s.parentSpanId);
    expect(chain).toContain(sendWithdrawal.spanId);
    expect(sendLogin.traceId).not.toBe(sendWithdrawal.traceId);
  });
});
