import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { Registry } from './metrics.js';

export interface HealthReport {
  ok: boolean;
  /** Anything that helps an operator: lag, last message time, connection states. */
  details?: Record<string, unknown>;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The operations endpoints every long-running service exposes on loopback (or HOST):
 * GET /healthz → 200 or 503 with a JSON report; GET /metrics → Prometheus text.
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  health: () => Promise<HealthReport> | HealthReport;
  log: Logger;
}): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      Promise.resolve()
        .then(() => options.health())
        .then(
          (report) => {
            res
              .writeHead(report.ok ? 200 : 503, { 'Content-Type': 'application/json' })
              .end(JSON.stringify(report));
          },
          (err: unknown) => {
            options.log.warn({ err }, 'health check failed');
            res.writeHead(503, { 'Content-Type': 'application/json' }).end(
              JSON.stringify({
                ok: false,
                details: { error: err instanceof Error ? err.message : String(err) },
              }),
            );
          },
        );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
