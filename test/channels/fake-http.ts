/** A real HTTP server on 127.0.0.1 that records requests and answers with scripted responses. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach } from 'vitest';
import { useStarted } from '../support/lifecycle.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests with these, in order; then with `fallback`. */
  respond(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export async function startFakeHttpServer(
  fallback: ScriptedResponse = { status: 500, body: { message: 'no scripted response' } },
): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const r = queue.shift() ?? fallback;
      const body =
        r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, {
        'content-type': typeof r.body === 'string' ? 'text/plain' : 'application/json',
        ...r.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (...responses) => void queue.push(...responses),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * For the describe block that calls it: a fake server started before its tests and closed after
 * them, with the recorded requests cleared before each test. The handle is filled in when the
 * tests start.
 */
export function useFakeHttpServer(): FakeHttpServer {
  const handle = useStarted(startFakeHttpServer, (server) => server.close());
  beforeEach(() => {
    handle.requests.length = 0;
  });
  return handle;
}

/** The address of a fake server that is already closed: nothing answers there. */
export async function closedServerUrl(): Promise<string> {
  const closed = await startFakeHttpServer();
  await closed.close();
  return closed.url;
}
