import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { z } from 'zod';
import { TradewatchError } from '../../lib/errors.js';
import type { EventProducer } from '../../lib/kafka/producer.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/service/metrics.js';
import type { CollectorConfig } from './config.js';
import { intake, MAX_ITEM_DEPTH, tooDeepItem } from './intake.js';
import type { KeyEntry, KeyRing } from './keys.js';
import type { CollectorMetrics } from './metrics.js';
import { type Endpoint, endpointPaths } from './routes.js';
import { checkSignatureHeaders, verifySignature } from './signature.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: KeyEntry | null;
    /** The body as received, for signature checks: a re-serialised parse would not match. */
    rawBody: Buffer | null;
    /** Set when the key requires signatures: what the headers presented, checked against the body. */
    signed: { timestamp: string; signatures: Buffer[] } | null;
  }
  interface FastifyContextConfig {
    endpoint?: Endpoint;
  }
}

export interface CollectorDeps {
  config: CollectorConfig;
  keys: KeyRing;
  producer: EventProducer;
  log: Logger;
  registry: Registry;
  metrics: CollectorMetrics;
  health: () => { ok: boolean; details?: Record<string, unknown> };
}

/** Preflights may be cached this long by browsers: the allow-list changes with a deploy. */
const CORS_MAX_AGE_S = 600;

/**
 * On every response, errors and 404s included. The collector serves JSON to machines and
 * beacons, never pages: nothing may be sniffed as HTML, framed, cached or sent a referrer.
 * HSTS is added only when this server itself speaks TLS; behind a TLS proxy, the proxy sets it.
 */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * A key in `Authorization: Bearer`, `X-Api-Key`, or (browsers: sendBeacon sets no headers)
 * `?key=`, which only a publishable browser key may use: URLs end up in access logs.
 */
function presentedKey(req: FastifyRequest): { key: string; inUrl: boolean } | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { key: auth.slice(7).trim(), inUrl: false };
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return { key: header, inUrl: false };
  const query = (req.query as Record<string, unknown> | undefined)?.key;
  return typeof query === 'string' ? { key: query, inUrl: true } : undefined;
}

const fail = (reply: FastifyReply, status: number, error: string) =>
  reply.code(status).type('application/json').send({ error });

/** Who may call an endpoint: checked before the body is read, so refusals cost nothing. */
async function authorize(
  req: FastifyRequest,
  reply: FastifyReply,
  keys: KeyRing,
  signatureWindowS: number,
): Promise<void> {
  const endpoint = req.routeOptions.config.endpoint;
  if (!endpoint || req.method === 'OPTIONS') return;
  const presented = presentedKey(req);
  const key = keys.find(presented?.key);
  if (!key) {
    reply.header('WWW-Authenticate', 'Bearer');
    return fail(reply, 401, 'missing or unknown API key');
  }
  if (presented?.inUrl && key.kind !== 'browser') {
    return fail(
      reply,
      401,
      `key ${key.id} is a server key: send it in Authorization or X-Api-Key, never ?key=`,
    );
  }
  if (key.endpoint !== endpoint) {
    return fail(
      reply,
      403,
      `key ${key.id} is for ${endpointPaths[key.endpoint]}, not ${endpointPaths[endpoint]}`,
    );
  }
  const origin = req.headers.origin;
  if (key.kind === 'browser') {
    if (!origin || !key.origins?.includes(origin)) {
      return fail(reply, 403, `origin ${origin ?? '(none)'} is not allowed for key ${key.id}`);
    }
    reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
  } else if (origin !== undefined) {
    // A secret key sent by a browser has leaked into front-end code: refuse it loudly.
    return fail(reply, 403, `key ${key.id} is a server key and must not be used from a browser`);
  }
  if (keys.signingSecrets(key).length > 0) {
    // Headers first, so a missing or stale signature is refused before the body is read.
    const check = checkSignatureHeaders(req.headers, signatureWindowS);
    if (!check.ok) return fail(reply, 401, `key ${key.id}: ${check.reason}`);
    req.signed = { timestamp: check.timestamp, signatures: check.signatures };
  }
  req.apiKey = key;
}

/** Once the body is in: the signature must be over exactly these bytes. */
async function verifySigned(req: FastifyRequest, reply: FastifyReply, keys: KeyRing): Promise<void> {
  if (!req.signed || !req.apiKey) return;
  const body = req.rawBody ?? Buffer.alloc(0);
  if (!verifySignature(keys.signingSecrets(req.apiKey), req.signed.timestamp, req.signed.signatures, body)) {
    return fail(
      reply,
      401,
      `key ${req.apiKey.id}: bad signature: X-Tradewatch-Signature is not HMAC-SHA256 of "<timestamp>.<body>" with this key's secret`,
    );
  }
}

const batchSchema = z.object({ events: z.array(z.unknown()) });

export async function buildCollectorApp(deps: CollectorDeps): Promise<FastifyInstance> {
  const { config, keys, producer, metrics } = deps;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Slow loris: a client must send its headers and whole body in time, and idle sockets go.
    connectionTimeout: config.COLLECTOR_CONNECTION_TIMEOUT_MS,
    requestTimeout: config.COLLECTOR_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 5_000,
    // Node checks those deadlines every connectionsCheckingInterval (30 s by default).
    http: { headersTimeout: config.COLLECTOR_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
    // Per-request access logs at thousands of requests/s are noise; metrics and errors are kept.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.COLLECTOR_BODY_LIMIT_BYTES,
  });
  // Beyond the cap, Node closes a new connection at once; requests on the open ones go on.
  app.server.maxConnections = config.COLLECTOR_MAX_CONNECTIONS;
  app.decorateRequest('apiKey', null);
  app.decorateRequest('rawBody', null);
  app.decorateRequest('signed', null);
  // Fastify's own JSON parser (it refuses __proto__ and constructor poisoning), fed from a
  // buffer that is kept for the signature check. navigator.sendBeacon can only send
  // CORS-safe types without a preflight, so JSON also arrives as text/plain.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    parseJson(req, (body as Buffer).toString('utf8'), done);
  });
  app.addHook('onRequest', (req, reply) => authorize(req, reply, keys, config.COLLECTOR_SIGNATURE_WINDOW_S));
  app.addHook('preHandler', (req, reply) => verifySigned(req, reply, keys));
  app.addHook('onSend', async (req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    reply.removeHeader('x-powered-by');
    return payload;
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.requestSeconds.observe(
      { route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  await app.register(rateLimit, {
    global: false,
    // Counted after the signature verifies (a forger with a leaked key id costs the real
    // sender nothing) and per key *and* client address (one browser flooding the public
    // key does not lock out the others).
    hook: 'preHandler',
    keyGenerator: (req) => `${req.apiKey?.id ?? '-'}|${req.ip}`,
    max: (req) => req.apiKey?.rate_limit_max_requests ?? config.COLLECTOR_RATE_LIMIT_MAX_REQUESTS,
    timeWindow: config.COLLECTOR_RATE_LIMIT_WINDOW_MS,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: `rate limit of ${context.max} requests per ${context.after} exceeded; retry after ${context.after}`,
    }),
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.statusCode === 413)
      return fail(reply, 413, `body larger than ${config.COLLECTOR_BODY_LIMIT_BYTES} bytes`);
    if (err.statusCode === 429) return reply.code(429).send(err);
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return fail(reply, err.statusCode, `bad request: ${err.message}`);
    }
    if (err instanceof TradewatchError && err.retriable) {
      req.log.warn({ err }, 'batch not acknowledged by Kafka');
      reply.header('Retry-After', '1');
      return fail(
        reply,
        503,
        'events could not be stored right now; retry the whole batch (event ids make it safe)',
      );
    }
    req.log.error({ err }, 'request failed');
    return fail(reply, 500, 'internal error');
  });

  for (const endpoint of ['user', 'engine'] as const) {
    app.post(endpointPaths[endpoint], { config: { endpoint, rateLimit: {} } }, async (req, reply) => {
      const body = batchSchema.safeParse(req.body);
      if (!body.success) return fail(reply, 400, 'expected a JSON object {"events": [...]}');
      if (body.data.events.length > config.COLLECTOR_BATCH_MAX_EVENTS) {
        return fail(reply, 413, `at most ${config.COLLECTOR_BATCH_MAX_EVENTS} events per request`);
      }
      const deep = tooDeepItem(body.data.events);
      if (deep !== undefined) {
        return fail(reply, 400, `events.${deep}: nested deeper than ${MAX_ITEM_DEPTH} levels`);
      }
      const result = await intake(producer, endpoint, req.apiKey as KeyEntry, body.data.events);
      for (const [type, counts] of result.byType) {
        if (counts.accepted > 0) metrics.events.inc({ endpoint, type, outcome: 'accepted' }, counts.accepted);
        if (counts.rejected > 0) metrics.events.inc({ endpoint, type, outcome: 'rejected' }, counts.rejected);
      }
      const rejected = body.data.events.length - result.accepted;
      return reply
        .code(rejected === 0 ? 200 : 207)
        .send({ accepted: result.accepted, rejected, errors: result.errors });
    });
  }

  // Preflight: a browser asks before POSTing JSON; only allowed Origins get a yes.
  app.options(endpointPaths.user, (req, reply) => {
    const origin = req.headers.origin;
    if (!origin || !keys.browserOrigins().has(origin)) return reply.code(403).send();
    return reply
      .code(204)
      .header('Access-Control-Allow-Origin', origin)
      .header('Access-Control-Allow-Methods', 'POST')
      .header('Access-Control-Allow-Headers', 'content-type, x-api-key')
      .header('Access-Control-Max-Age', String(CORS_MAX_AGE_S))
      .header('Vary', 'Origin')
      .send();
  });

  app.get('/healthz', (_req, reply) => {
    const report = deps.health();
    return reply.code(report.ok ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  );
  return app;
}
