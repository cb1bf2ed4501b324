import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A venue on loopback for tests: a real HTTP server (REST snapshots) and a real WebSocket
 * server on the same port, on a port the OS picks. Tests script what it sends; the
 * connector under test cannot tell it from the venue.
 */
export interface FakeVenue {
  /** ws://127.0.0.1:port */
  wsBase: string;
  /** http://127.0.0.1:port */
  httpBase: string;
  /** Connections accepted so far (a reconnect makes it grow). */
  readonly connections: number;
  /** The request URLs of the accepted connections, in order. */
  readonly connectionUrls: string[];
  /** Text messages the clients sent, in order. */
  readonly received: string[];
  /** REST requests served, as path?query. */
  readonly restRequests: string[];
  /** Sends a frame to every open client. */
  broadcast(frame: string | Buffer, options?: { binary?: boolean }): void;
  /** Cuts every client as a network failure would (no close handshake). */
  dropAll(): void;
  openClients(): number;
  close(): Promise<void>;
}

export interface FakeVenueOptions {
  /** Answers a REST request; undefined → 404. */
  rest?: (
    path: string,
    query: URLSearchParams,
  ) => { status: number; body: string; headers?: Record<string, string> } | undefined;
  /** Runs when a client connects (e.g. to send a greeting). */
  onConnect?: (socket: WebSocket, request: IncomingMessage) => void;
  /** Runs for each client text message (e.g. Bybit subscribe and ping). */
  onMessage?: (socket: WebSocket, message: string) => void;
}

export async function startFakeVenue(options: FakeVenueOptions = {}): Promise<FakeVenue> {
  const received: string[] = [];
  const restRequests: string[] = [];
  const connectionUrls: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    restRequests.push(`${url.pathname}${url.search}`);
    const reply = options.rest?.(url.pathname, url.searchParams);
    if (!reply) {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end('{"code":-1121,"msg":"Invalid symbol."}');
      return;
    }
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers }).end(reply.body);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    connectionUrls.push(request.url ?? '');
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      received.push(text);
      options.onMessage?.(socket, text);
    });
    options.onConnect?.(socket, request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsBase: `ws://127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${port}`,
    get connections() {
      return connectionUrls.length;
    },
    connectionUrls,
    received,
    restRequests,
    broadcast(frame, { binary = false } = {}) {
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(frame, { binary });
    },
    dropAll() {
      for (const client of wss.clients) client.terminate();
    },
    openClients: () => [...wss.clients].filter((c) => c.readyState === c.OPEN).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => server.close(() => resolve()));
        server.closeAllConnections();
      }),
  };
}
