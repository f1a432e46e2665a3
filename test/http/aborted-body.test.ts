/**
 * A client that goes away in the middle of its body: the read fails as the client's doing, not as
 * Postgres being unavailable (the socket's ECONNRESET looks like a lost database connection), so
 * nobody can fill the log with false "Postgres is unavailable" warnings by hanging up.
 */
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';
import { listen } from '../../src/http/server.js';
import { HttpError, readBody } from '../../src/http/respond.js';

describe('a body cut short by the client', () => {
  it('is a 400 HttpError, not a database outage', async () => {
    let failed!: (err: unknown) => void;
    const failure = new Promise<unknown>((resolve) => (failed = resolve));
    const server = http.createServer((req) => {
      readBody(req, 1024).then(
        () => failed(new Error('the body was read whole')),
        (err: unknown) => failed(err),
      );
    });
    const port = await listen(server, 0, '127.0.0.1');
    try {
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(
          'POST /webhooks/shopify HTTP/1.1\r\nHost: boomerang\r\nContent-Length: 100\r\n\r\n{"id": 1',
          () => setTimeout(() => socket.destroy(), 50),
        ),
      );
      socket.on('error', () => undefined);
      const err = await failure;
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(400);
      expect(isDatabaseUnavailable(err)).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
