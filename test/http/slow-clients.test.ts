/**
 * Clients that open a connection and then send slowly or not at all (slowloris): every route that
 * reads a body reads it before it can check who sent it (webhook signatures sign the body), so
 * anyone may try. The endpoint answers 408 and closes once the request's time is up.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestEndpoint } from './support.js';

const REQUEST_TIMEOUT_MS = 1000;

/** Writes `text` on a new connection, then nothing: what the server answered, and when it closed. */
function stall(base: string, text: string): Promise<{ answer: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    // The test's own bound: without one on the server, the connection stays open for minutes.
    setTimeout(() => socket.destroy(), 8 * REQUEST_TIMEOUT_MS).unref();
  });
}

describe('slow clients', () => {
  const endpoint = useTestEndpoint({}, { requestTimeoutMs: REQUEST_TIMEOUT_MS });

  it('answers 408 and closes a connection whose headers never end', async () => {
    const { answer, closedAfterMs } = await stall(
      endpoint.server.base,
      'POST /webhooks/shopify HTTP/1.1\r\nHost: boomerang\r\nX-Shopify-Topic: orders/create\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeLessThan(4 * REQUEST_TIMEOUT_MS);
  });

  it('answers 408 and closes a connection whose body never ends, on a route open to anyone', async () => {
    for (const path of ['/webhooks/shopify', '/unsubscribe?token=x']) {
      const { answer, closedAfterMs } = await stall(
        endpoint.server.base,
        `POST ${path} HTTP/1.1\r\nHost: boomerang\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id": 1`,
      );
      expect(answer, path).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs, path).toBeLessThan(4 * REQUEST_TIMEOUT_MS);
    }
  });
});
