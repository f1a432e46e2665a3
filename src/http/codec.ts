/**
 * The codec endpoint of the Temporal Web UI (its "codec server" protocol): the UI posts encrypted
 * payloads and shows what comes back decrypted. Browsers may call it only from the Web UI's origin
 * (CORS), and every encode/decode needs the operator key (auth.ts): the UI's "include cross-origin
 * credentials" makes the browser send the Basic credentials it holds for this endpoint. The CORS
 * preflight carries no credentials by design, so it is answered without them.
 */
import type http from 'node:http';
import type { Payload } from '@temporalio/common';
import type { AesGcmPayloadCodec } from '../temporal/codec.js';
import { requireOperator } from './auth.js';
import { readBody } from './respond.js';
import { sendJson } from './respond.js';
import type { Handler } from './types.js';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY = 4 * 1024 * 1024;

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v ?? []).toString('base64'),
      ]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

function cors(res: http.ServerResponse, req: http.IncomingMessage, uiOrigin: string): boolean {
  const origin = req.headers.origin;
  if (origin && origin !== uiOrigin) return false;
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
    res.setHeader('vary', 'origin');
  }
  return true;
}

export function registerCodecRoutes(
  routes: Map<string, Handler>,
  deps: { codec: AesGcmPayloadCodec | undefined; uiUrl: string; operatorKey: string | undefined },
): void {
  const uiOrigin = new URL(deps.uiUrl).origin;
  for (const action of ['encode', 'decode'] as const) {
    routes.set(`OPTIONS /codec/${action}`, async (req, res) => {
      if (!cors(res, req, uiOrigin))
        return sendJson(res, 403, { error: `origin not allowed; only ${uiOrigin}` });
      res.writeHead(204).end();
    });
    routes.set(`POST /codec/${action}`, async (req, res) => {
      if (!cors(res, req, uiOrigin))
        return sendJson(res, 403, { error: `origin not allowed; only ${uiOrigin}` });
      requireOperator(req, deps.operatorKey);
      if (!deps.codec)
        return sendJson(res, 404, {
          error: 'payload encryption is off (PAYLOAD_ENCRYPTION_KEY is not set)',
        });
      // Over the limit, readBody ends the request with 413 (an HttpError the server answers).
      const raw = (await readBody(req, MAX_BODY)).toString('utf8');
      let body: { payloads?: JsonPayload[] };
      try {
        body = JSON.parse(raw) as { payloads?: JsonPayload[] };
      } catch (err) {
        return sendJson(res, 400, {
          error: `expected {"payloads": [...]}: ${(err as Error).message}`,
        });
      }
      if (!Array.isArray(body.payloads))
        return sendJson(res, 400, { error: 'expected {"payloads": [...]}' });
      try {
        const payloads = body.payloads.map(fromJson);
        const out =
          action === 'encode'
            ? await deps.codec.encode(payloads)
            : await deps.codec.decode(payloads);
        sendJson(res, 200, { payloads: out.map(toJson) });
      } catch (err) {
        sendJson(res, 400, { error: `cannot ${action}: ${(err as Error).message}` });
      }
    });
  }
}
