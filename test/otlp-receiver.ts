import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * An OTLP/HTTP receiver on 127.0.0.1, standing where the collector stands: it accepts
 * `POST /v1/traces` and `/v1/logs` in OTLP's JSON encoding (what
 * @opentelemetry/exporter-*-otlp-http send), gzip or not, and keeps what arrived.
 */

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
}

export interface ReceivedLog {
  service: string;
  traceId: string;
  spanId: string;
  body: string;
  severityText: string;
}

export interface OtlpReceiver {
  /** The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  logs: ReceivedLog[];
  /** Requests that were not OTLP JSON, with why. */
  refused: string[];
  close(): Promise<void>;
}

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

/** OTLP JSON's AnyValue ({ stringValue }, { intValue: "3" }…) to a plain value. */
function plain(value: Record<string, unknown> | undefined): unknown {
  if (!value) return undefined;
  if ('intValue' in value) return Number(value.intValue);
  return Object.values(value)[0];
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
}

type Resource = { resource?: { attributes?: KeyValue[] } };
type TracesRequest = {
  resourceSpans?: Array<Resource & { scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>;
};
type LogsRequest = {
  resourceLogs?: Array<Resource & { scopeLogs?: Array<{ logRecords?: Array<Record<string, unknown>> }> }>;
};

const serviceOf = (r: Resource) => String(attributes(r.resource?.attributes)['service.name'] ?? '');

function collectSpans(body: TracesRequest, into: ReceivedSpan[]): void {
  for (const rs of body.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        into.push({
          service: serviceOf(rs),
          traceId: String(s.traceId ?? ''),
          spanId: String(s.spanId ?? ''),
          parentSpanId: String(s.parentSpanId ?? ''),
          name: String(s.name ?? ''),
          kind: Number(s.kind ?? 0),
          attributes: attributes(s.attributes as KeyValue[] | undefined),
        });
      }
    }
  }
}

function collectLogs(body: LogsRequest, into: ReceivedLog[]): void {
  for (const rl of body.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const l of sl.logRecords ?? []) {
        into.push({
          service: serviceOf(rl),
          traceId: String(l.traceId ?? ''),
          spanId: String(l.spanId ?? ''),
          body: String(plain(l.body as Record<string, unknown> | undefined) ?? ''),
          severityText: String(l.severityText ?? ''),
        });
      }
    }
  }
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLog[] = [];
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
        if (!String(req.headers['content-type']).startsWith('application/json')) {
          throw new Error(`content-type ${req.headers['content-type']}`);
        }
        const body = JSON.parse(raw.toString('utf8')) as TracesRequest & LogsRequest;
        if (req.url === '/v1/traces') collectSpans(body, spans);
        else if (req.url === '/v1/logs') collectLogs(body, logs);
        else throw new Error(`path ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        refused.push(`${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    logs,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
