import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Real HTTP peers on 127.0.0.1 for producers that read the outside world. */

export interface LoopbackServer {
  url: string;
  /** Requests received so far (method, path, body, and the Authorization header if any). */
  requests: Array<{ method: string; path: string; body: string; authorization?: string | undefined }>;
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, body: string, res: ServerResponse) => void,
): Promise<{ server: Server; url: string; requests: LoopbackServer['requests'] }> {
  const requests: LoopbackServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        authorization: req.headers.authorization,
      });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/** Serves fixed documents by path: `{ '/feed.xml': { type, body } }`; the body may be replaced between polls. */
export async function startDocumentServer(
  documents: Record<string, { type: string; body: string; status?: number }>,
): Promise<LoopbackServer> {
  const { server, url, requests } = await listen((req, _body, res) => {
    const doc = documents[(req.url ?? '/').split('?')[0] as string];
    if (!doc) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(doc.status ?? 200, { 'content-type': doc.type }).end(doc.body);
  });
  return { url, requests, close: closer(server) };
}

/** What the chat-completions peer does with the next request. */
export type ChatBehaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfterS?: number }
  | { kind: 'hang' }
  | { kind: 'garbage' };

/**
 * An OpenAI-compatible `POST /v1/chat/completions` on loopback. It answers with one score
 * per numbered line of the user message: `score(line)` decides it. `script` is consumed
 * one behaviour per request; when empty, requests succeed.
 */
export async function startChatCompletionsServer(
  score: (text: string) => number,
  script: ChatBehaviour[] = [],
): Promise<LoopbackServer & { script: ChatBehaviour[] }> {
  const hanging: ServerResponse[] = [];
  const { server, url, requests } = await listen((req, body, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const behaviour = script.shift() ?? { kind: 'ok' };
    if (behaviour.kind === 'hang') {
      hanging.push(res);
      return;
    }
    if (behaviour.kind === 'status') {
      res
        .writeHead(behaviour.status, {
          'content-type': 'application/json',
          ...(behaviour.retryAfterS === undefined ? {} : { 'retry-after': String(behaviour.retryAfterS) }),
        })
        .end(JSON.stringify({ error: { message: `scripted ${behaviour.status}`, type: 'server_error' } }));
      return;
    }
    const request = JSON.parse(body) as { model: string; messages: Array<{ role: string; content: string }> };
    const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const lines = user.split('\n').filter((l) => /^\d+\. /.test(l));
    const content =
      behaviour.kind === 'garbage'
        ? 'I think these are mostly positive!'
        : `\`\`\`json\n${JSON.stringify({ scores: lines.map((l) => score(l.replace(/^\d+\. /, ''))) })}\n\`\`\``;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: user.length / 4, completion_tokens: 10, total_tokens: user.length / 4 + 10 },
      }),
    );
  });
  const close = closer(server);
  return {
    url: `${url}/v1`,
    requests,
    script,
    close: async () => {
      for (const res of hanging) res.destroy();
      await close();
    },
  };
}
