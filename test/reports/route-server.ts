/**
 * A server on 127.0.0.1:0 around a route table, dispatching like src/http/server.ts does
 * (`METHOD /path` → handler; 405 with Allow for a known path, else 404), for the report routes'
 * tests until they are wired into createRoutes.
 */
import http from 'node:http';
import { HttpError, sendJson } from '../../src/http/respond.js';
import { type Handler, listen } from '../../src/http/server.js';

export interface RouteServer {
  base: string;
  port: number;
  close(): Promise<void>;
}

export async function startRouteServer(routes: Map<string, Handler>): Promise<RouteServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(`${req.method} ${url.pathname}`);
    if (!handler) {
      const allowed = [...routes.keys()]
        .filter((k) => k.endsWith(` ${url.pathname}`))
        .map((k) => k.split(' ')[0]!);
      if (allowed.length) {
        res.setHeader('allow', allowed.join(', '));
        return sendJson(res, 405, {
          error: `method ${req.method} not allowed on ${url.pathname}`,
          allowed,
        });
      }
      return sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    }
    handler(req, res, url).catch((err: unknown) => {
      if (err instanceof HttpError && !res.headersSent)
        return sendJson(res, err.status, { error: err.message }, err.headers);
      console.error(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
