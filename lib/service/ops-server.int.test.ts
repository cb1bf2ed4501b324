import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLog } from '../../test/pipeline-fixture.js';
import { Counter, createMetricsRegistry } from './metrics.js';
import { type OpsServer, startOpsServer } from './ops-server.js';

describe('ops server', () => {
  let healthy = true;
  let server: OpsServer;
  const registry = createMetricsRegistry('ops-test');
  const counter = new Counter({
    name: 'tradewatch_test_events_total',
    help: 'test events',
    registers: [registry],
  });

  beforeAll(async () => {
    server = await startOpsServer({
      port: 0,
      registry,
      log: testLog,
      health: () => ({ ok: healthy, details: { checked: true } }),
    });
  });
  afterAll(() => server.close());

  it('reports health as 200, and 503 when unhealthy', async () => {
    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, details: { checked: true } });
    healthy = false;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    healthy = true;
  });

  it('serves Prometheus metrics with the service label and process metrics', async () => {
    counter.inc(3);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('tradewatch_test_events_total{service="ops-test"} 3');
    expect(text).toContain('tradewatch_process_resident_memory_bytes');
  });

  it('listens on the host it is given (a container publishing the port passes 0.0.0.0)', async () => {
    const wide = await startOpsServer({
      port: 0,
      host: '0.0.0.0',
      registry,
      log: testLog,
      health: () => ({ ok: true }),
    });
    try {
      const url = new URL(wide.url);
      expect(url.hostname).toBe('0.0.0.0');
      // Reached here through loopback; in a container, through the published port.
      expect((await fetch(`http://127.0.0.1:${url.port}/healthz`)).status).toBe(200);
    } finally {
      await wide.close();
    }
    expect(new URL(server.url).hostname, 'loopback unless told otherwise').toBe('127.0.0.1');
  });
});
