import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate, gzipSync } from 'node:zlib';
import type { ClickHouseClient } from '../../lib/clickhouse/client.js';
import type { Logger } from '../../lib/log.js';
import {
  type Caller,
  checkStatement,
  checkUrlSetting,
  PolicyRefusal,
  type StatementParser,
} from './statement-policy.js';

/**
 * ClickHouse's HTTP interface (the part `@clickhouse/client` and curl use) in front of the
 * embedded engine, so every other process talks to it exactly as to a ClickHouse server:
 *   GET /ping → "Ok."; GET|POST / with `query`, `database`, `default_format`, `query_id`,
 *   `param_<name>` and any setting as URL parameters; a POST body is the query, or the data
 *   following the `query` parameter (inserts); gzip/deflate bodies; ClickHouse error text,
 *   error codes, `X-ClickHouse-*` headers.
 * chDB runs one statement at a time per data directory and settings are session-wide, so
 * requests run one at a time per engine session (several sessions side by side) and each
 * request's settings and database are reset after it.
 *
 * Hardened as a server would be (docs/security.md): every request authenticates; a browser
 * (any `Origin`) and DNS rebinding (a `Host` that is not this listener) are refused; GET, a
 * `readonly` request and a read-only user may only read; each request is one statement that
 * ClickHouse's parser has checked (statement-policy.ts), so nothing reaches files, the network
 * or other processes, and no statement can leave settings or a database behind for the next.
 */

/** URL parameters that steer the HTTP layer and are never engine settings. */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'cancel_http_readonly_queries_on_client_close',
  'http_native_compression_disable_checksumming_on_decompress',
  'role',
]);

/** ClickHouse's own mapping of a few error codes to HTTP statuses; the rest are 500. */
const STATUS_BY_CODE: Record<number, number> = {
  62: 400, // SYNTAX_ERROR
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  115: 400, // UNKNOWN_SETTING
  164: 403, // READONLY
  497: 403, // ACCESS_DENIED
  516: 401, // AUTHENTICATION_FAILED
};

const CONTENT_TYPES: Record<string, string> = {
  JSON: 'application/json; charset=UTF-8',
  JSONCompact: 'application/json; charset=UTF-8',
  JSONEachRow: 'application/x-ndjson; charset=UTF-8',
  JSONCompactEachRow: 'application/x-ndjson; charset=UTF-8',
  JSONStringsEachRow: 'application/x-ndjson; charset=UTF-8',
  CSV: 'text/csv; charset=UTF-8; header=absent',
  CSVWithNames: 'text/csv; charset=UTF-8; header=present',
};

export interface HttpInterfaceOptions {
  /**
   * Engine sessions, each with its own settings, parameters and current database (chDB keeps
   * them per connection). Requests run one at a time per session and side by side across
   * sessions, so a slow analyst query does not hold up the notifier's polls.
   */
  sessions: readonly ClickHouseClient[];
  serverVersion: string;
  host: string;
  port: number;
  /** Who may connect; a `reader` may only read, whatever its request asks. */
  users: ReadonlyArray<{ name: string; password: string; caller: Caller }>;
  /** Largest accepted request body (after decompression), bytes. */
  maxBodyBytes: number;
  log: Logger;
}

export interface HttpInterface {
  server: Server;
  url: string;
  stats(): { requests: number; failures: number; refused: number };
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** One engine session and the requests queued on it. */
interface Lane {
  client: ClickHouseClient;
  parser: StatementParser;
  /** The session's current database, kept so `USE` runs only when a request changes it. */
  state: { database: string };
}

function newLane(client: ClickHouseClient): Lane {
  const parser: StatementParser = {
    format: async (sql) => {
      // A quoted literal, not a bound parameter: chDB's binder would replace the request's own
      // `param_` values already set in the session.
      const result = await client.query({
        query: `SELECT formatQuerySingleLine(${quoteString(sql)}) AS f`,
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ f: string }>();
      return row?.f ?? '';
    },
    explainAst: async (statement) => {
      const result = await client.exec({
        query: `EXPLAIN AST ${statement}`,
        clickhouse_settings: { default_format: 'TabSeparatedRaw' as 'JSON' },
      });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(Buffer.from(chunk));
      return Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
    },
  };
  return { client, parser, state: { database: 'default' } };
}

export async function startHttpInterface(options: HttpInterfaceOptions): Promise<HttpInterface> {
  const { log } = options;
  const counters = { requests: 0, failures: 0, refused: 0 };
  if (options.users.length === 0 || options.users.some((u) => u.password.length < 16)) {
    throw new Error('the embedded ClickHouse host needs every user to have a password of 16+ characters');
  }
  const allowedHosts = new Set(['127.0.0.1', 'localhost', '[::1]', options.host]);
  if (options.sessions.length === 0) throw new Error('the embedded ClickHouse host needs an engine session');
  const lanes = options.sessions.map((client) => newLane(client));
  // One queue for all sessions: a request waits for whichever session frees first, never
  // behind a slow query in a session of its own choosing.
  const idle = [...lanes];
  const waiting: Array<(lane: Lane) => void> = [];
  const release = (lane: Lane) => {
    const next = waiting.shift();
    if (next) next(lane);
    else idle.push(lane);
  };
  const runOnLane = async <T>(work: (lane: Lane) => Promise<T>): Promise<T> => {
    const lane = idle.pop() ?? (await new Promise<Lane>((resolve) => waiting.push(resolve)));
    try {
      return await work(lane);
    } finally {
      release(lane);
    }
  };

  const execute = async (req: IncomingMessage, url: URL): Promise<{ body: Buffer; summary: object }> => {
    const user = authenticate(req, url, options);
    const body = await readBody(req, options.maxBodyBytes);
    const urlQuery = url.searchParams.get('query');
    const statement = urlQuery ?? body.toString('utf8');
    const sql = urlQuery !== null && body.length > 0 ? `${urlQuery}\n${body}` : statement;
    if (sql.trim() === '') throw new HttpFailure(62, 'SYNTAX_ERROR', 'Empty query');
    // As on a server: GET and `readonly` requests are read-only, and so is a reader user.
    const readonlyParam = url.searchParams.get('readonly');
    const caller: Caller =
      user.caller === 'reader' || req.method === 'GET' || (readonlyParam !== null && readonlyParam !== '0')
        ? 'reader'
        : 'owner';
    if (user.caller === 'reader' && readonlyParam !== '1') url.searchParams.set('readonly', '1');
    const params: Record<string, string> = {};
    const settings: Array<[string, string]> = [];
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) params[key.slice('param_'.length)] = value;
      else if (!PROTOCOL_PARAMS.has(key)) settings.push([key, value]);
    }
    for (const [key] of settings) {
      checkUrlSetting(key);
      if (!IDENTIFIER.test(key)) {
        throw new HttpFailure(
          115,
          'UNKNOWN_SETTING',
          `Setting name ${JSON.stringify(key)} is not an identifier`,
        );
      }
    }
    for (const name of Object.keys(params)) {
      if (!IDENTIFIER.test(name)) {
        throw new HttpFailure(
          456,
          'UNKNOWN_QUERY_PARAMETER',
          `Parameter name ${JSON.stringify(name)} is not an identifier`,
        );
      }
    }
    for (const name of placeholderNames(sql)) {
      // Parameters live in the engine session; one left by an earlier request must not fill a gap.
      if (!(name in params)) {
        throw new HttpFailure(456, 'UNKNOWN_QUERY_PARAMETER', `Substitution \`${name}\` is not set`);
      }
    }
    const database = url.searchParams.get('database') ?? 'default';
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    return runOnLane(async (lane) => {
      const { client, parser } = lane;
      if (database !== lane.state.database) {
        await client.command({ query: `USE ${quoteIdentifier(database)}` });
        lane.state.database = database;
      }
      // Settings applied so far: a later one that fails (unknown name, bad value) must not
      // leave the earlier ones set for every request after this one.
      const applied: string[] = [];
      try {
        // `SET param_x` hands the engine the value exactly as it came over HTTP, in ClickHouse's
        // escaped text form, so it is parsed as a server parses it (chDB's own binder would
        // escape it a second time).
        for (const [name, value] of Object.entries(params)) {
          await client.command({ query: `SET param_${name} = ${quoteString(value)}` });
        }
        // Checked with the request's database and parameters in place, before its settings
        // (a `max_result_rows=1` must not cut the check's own answers short).
        const checked = await checkStatement(parser, statement, caller, sql);
        for (const [key, value] of [...settings, ...Object.entries(checked.settings)]) {
          await client.command({ query: `SET ${key} = ${quoteString(value)}` });
          applied.push(key);
        }
        const started = process.hrtime.bigint();
        const result = await client.exec({
          query: sql,
          clickhouse_settings: { default_format: format as 'JSON' },
        });
        const chunks: Buffer[] = [];
        for await (const chunk of result.stream) chunks.push(Buffer.from(chunk));
        const out = Buffer.concat(chunks);
        const elapsedNs = Number(process.hrtime.bigint() - started);
        return {
          body: out,
          summary: {
            read_rows: result.summary?.read_rows ?? '0',
            read_bytes: result.summary?.read_bytes ?? '0',
            written_rows: result.summary?.written_rows ?? '0',
            written_bytes: result.summary?.written_bytes ?? '0',
            total_rows_to_read: '0',
            result_rows: '0',
            result_bytes: String(out.length),
            elapsed_ns: String(elapsedNs),
          },
        };
      } finally {
        // Settings are session-wide in chDB; put them back so the next request starts clean.
        for (const key of applied) {
          await client.command({ query: `SET ${key} = DEFAULT` }).catch(() => undefined);
        }
      }
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Prefixed, not resolved against a base: `//x` is a path here, not a host to go to.
    const url = URL.parse(`http://localhost${req.url ?? '/'}`);
    if (!url || !req.url?.startsWith('/')) {
      res
        .writeHead(400, { 'Content-Type': 'text/plain; charset=UTF-8' })
        .end(`Cannot parse the request URI\n`);
      return;
    }
    res.setHeader('X-ClickHouse-Server-Display-Name', 'tradewatch-embedded');
    const refusal = refusedOrigin(req, allowedHosts);
    if (refusal !== undefined) {
      counters.refused += 1;
      sendFailure(res, new HttpFailure(497, 'ACCESS_DENIED', refusal), options.serverVersion);
      return;
    }
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
        .end(`There is no handle ${url.pathname}\n`);
      return;
    }
    counters.requests += 1;
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const format = url.searchParams.get('default_format') ?? 'TabSeparated';
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Timezone', 'UTC');
    try {
      const { body, summary } = await execute(req, url);
      const wantsGzip =
        url.searchParams.get('enable_http_compression') === '1' &&
        /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      res.setHeader('X-ClickHouse-Format', format);
      res.setHeader('X-ClickHouse-Summary', JSON.stringify(summary));
      res.setHeader('Content-Type', CONTENT_TYPES[format] ?? 'text/plain; charset=UTF-8');
      if (wantsGzip) res.setHeader('Content-Encoding', 'gzip');
      res.writeHead(200).end(wantsGzip ? gzipSync(body) : body);
    } catch (err) {
      counters.failures += 1;
      const failure = toFailure(err);
      log.debug({ queryId, code: failure.code, err: failure.message }, 'query failed');
      sendFailure(res, failure, options.serverVersion);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'HTTP handler crashed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  // Slow clients must not hold the single engine's front door: headers, body and idle limits.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  server.maxConnections = 256;
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host}:${port}`,
    stats: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:[^}]+\}/g;

/** Names of the `{name:Type}` placeholders in a query. */
function placeholderNames(sql: string): Set<string> {
  return new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1] as string));
}

function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
}

/**
 * A request from a web page (it carries `Origin`; curl and server clients never send one), or
 * one addressed to a name other than this listener's (DNS rebinding), is refused before
 * anything else: a page the user opens must not be able to drive the local engine.
 */
function refusedOrigin(req: IncomingMessage, allowedHosts: ReadonlySet<string>): string | undefined {
  if (req.headers.origin !== undefined) return 'Requests from web pages (an Origin header) are refused';
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (!allowedHosts.has(host)) return `Host ${JSON.stringify(host.slice(0, 100))} is not this server`;
  return undefined;
}

/** Basic auth, X-ClickHouse-User/Key headers or user/password parameters, as ClickHouse accepts. */
function authenticate(
  req: IncomingMessage,
  url: URL,
  options: HttpInterfaceOptions,
): HttpInterfaceOptions['users'][number] {
  let user = url.searchParams.get('user') ?? req.headers['x-clickhouse-user']?.toString() ?? 'default';
  let password = url.searchParams.get('password') ?? req.headers['x-clickhouse-key']?.toString() ?? '';
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic?.[1] !== undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = colon < 0 ? decoded : decoded.slice(0, colon);
    password = colon < 0 ? '' : decoded.slice(colon + 1);
  }
  const entry = options.users.find((u) => u.name === user);
  const expected = Buffer.from(entry?.password ?? '');
  const given = Buffer.from(password);
  const passwordOk = expected.length === given.length && timingSafeEqual(expected, given);
  if (!entry || !passwordOk) {
    throw new HttpFailure(
      516,
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
  return entry;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  const source =
    encoding === 'gzip' ? req.pipe(createGunzip()) : encoding === 'deflate' ? req.pipe(createInflate()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new HttpFailure(307, 'TOO_MANY_BYTES', `Request body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** ClickHouse's error answer: `Code: N. DB::Exception: …`, the code header, its HTTP status. */
function sendFailure(res: ServerResponse, failure: HttpFailure, serverVersion: string): void {
  const message = failure.message.includes('DB::Exception')
    ? failure.message
    : `Code: ${failure.code}. DB::Exception: ${failure.message.replace(/[.\s]+$/, '')}. (${failure.type})`;
  res.setHeader('X-ClickHouse-Exception-Code', String(failure.code));
  res
    .writeHead(STATUS_BY_CODE[failure.code] ?? 500, { 'Content-Type': 'text/plain; charset=UTF-8' })
    .end(`${message.trimEnd()} (version ${serverVersion})\n`);
}

function toFailure(err: unknown): HttpFailure {
  if (err instanceof HttpFailure) return err;
  if (err instanceof PolicyRefusal) return new HttpFailure(497, 'ACCESS_DENIED', err.message);
  const e = err as { clickhouseCode?: number; code?: string | number; type?: string; message?: string };
  const message = e?.message ?? String(err);
  const fromText = /Code: (\d+)\..*\(([A-Z0-9_]+)\)/s.exec(message);
  const code = Number(
    e?.clickhouseCode ??
      (typeof e?.code === 'string' && /^\d+$/.test(e.code) ? e.code : (fromText?.[1] ?? 1001)),
  );
  const type = e?.type ?? fromText?.[2] ?? 'STD_EXCEPTION';
  return new HttpFailure(code, type, message);
}
