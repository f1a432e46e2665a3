/** What the endpoint answers at the edges of HTTP: HEAD, bytes that are not UTF-8, other charsets. */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { API_KEY, useTestEndpoint } from './support.js';

/** A raw request, with the answer's headers and body exactly as they came (none for HEAD). */
function request(
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP edges', () => {
  const endpoint = useTestEndpoint();

  it('answers HEAD on a GET route like GET, without the body', async () => {
    const get = await request(`${endpoint.server.base}/healthz`, 'GET');
    const head = await request(`${endpoint.server.base}/healthz`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.body).toBe('');
    const page = await request(`${endpoint.server.base}/unsubscribe`, 'HEAD');
    expect(page.status).toBe(400);
    expect(page.body).toBe('');
  });

  const postEvents = (body: Buffer, contentType = 'application/json') =>
    request(
      `${endpoint.server.base}/events`,
      'POST',
      { authorization: `Bearer ${API_KEY}`, 'content-type': contentType },
      body,
    );
  const registration = (firstName: Buffer) =>
    Buffer.concat([
      Buffer.from(
        '{"type":"account_registered","contact":{"email":"bytes@example.com","first_name":"',
      ),
      firstName,
      Buffer.from('"}}'),
    ]);

  it('refuses bytes that are not UTF-8 with a 400, storing nothing', async () => {
    const res = await postEvents(registration(Buffer.from([0x4a, 0xf8, 0x6e])));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringContaining('not valid UTF-8') });
    const stored = await endpoint.database.db.selectFrom('inbox_events').selectAll().execute();
    expect(stored).toEqual([]);
  });

  it('refuses a declared charset other than UTF-8 with a 415; UTF-8 declared is accepted', async () => {
    const latin1 = await postEvents(
      registration(Buffer.from('Jos\u00e9', 'latin1')),
      'application/json; charset=iso-8859-1',
    );
    expect(latin1.status).toBe(415);
    expect(JSON.parse(latin1.body).error).toContain('charset=iso-8859-1');
    const utf8 = await postEvents(
      registration(Buffer.from('Jos\u00e9', 'utf8')),
      'application/json; charset=UTF-8',
    );
    expect(utf8.status).toBe(202);
  });
});
