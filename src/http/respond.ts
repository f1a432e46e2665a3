/** What every route shares: reading bounded bodies, JSON and HTML answers, errors with a status. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

/** What 503 answers suggest: about the time `npm start` takes to restart Postgres. */
export const RETRY_AFTER_SECONDS = 5;

/** An answer that ends a request early: its status, a message for the caller, extra JSON fields and headers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => escapes[c]!);

/** A small self-contained HTML page (for people following links, e.g. unsubscribe), with an optional one-button form. */
export function sendHtmlPage(
  res: http.ServerResponse,
  status: number,
  title: string,
  message: string,
  form?: { action: string; button: string; fields?: Record<string, string> },
): void {
  const formHtml = form
    ? `<form method="post" action="${escapeHtml(form.action)}">` +
      Object.entries(form.fields ?? {})
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join('') +
      `<button type="submit" style="font:inherit;padding:.5rem 1rem">${escapeHtml(form.button)}</button></form>`
    : '';
  const html =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}</style>' +
    `</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${formHtml}</body></html>\n`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // The page's URL carries a token: do not hand it to other sites.
    'referrer-policy': 'no-referrer',
    // Nothing but its own inline style, and never inside another site's frame (a hidden button).
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

/** Throws away the rest of a body we will not read, closing the connection if it goes on too long. */
function discard(req: http.IncomingMessage, maxBytes: number): void {
  let seen = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) req.destroy();
  });
  req.resume();
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(
    413,
    `the body is larger than ${limitBytes} bytes`,
    { limitBytes },
    { connection: 'close' },
  );
}

/**
 * The raw body, at most `limitBytes` (413 otherwise). A body announced too large is refused
 * before reading; one that grows too large is refused as soon as it does, and the rest of it is
 * read and dropped (up to a bound) so the client gets the answer rather than a reset connection.
 */
export function readBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    discard(req, 4 * limitBytes);
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limitBytes) {
        chunks.length = 0;
        settle(() => reject(tooLarge(limitBytes)));
        discard(req, 4 * limitBytes);
        return;
      }
      chunks.push(chunk);
    });
    // The client went away (its socket's error is ECONNRESET, which would read as Postgres
    // being unavailable): the request's fault, not the server's.
    const cutShort = () =>
      settle(() =>
        reject(new HttpError(400, 'the request was closed before its body was complete')),
      );
    req.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    req.on('error', cutShort);
    req.on('close', cutShort);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body parsed as JSON (UTF-8, as RFC 8259 requires); 400 naming the problem otherwise. */
export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    // Invalid bytes would otherwise be stored as U+FFFD, silently changing the store's data.
    text = strictUtf8.decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8 (JSON must be UTF-8)');
  }
  if (text.trim() === '') throw new HttpError(400, 'malformed JSON: the body is empty');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

/**
 * 415 unless the request says its body is JSON (application/json or application/…+json), in
 * UTF-8: a declared charset other than UTF-8 (iso-8859-1) is refused rather than misread.
 */
export function requireJsonContentType(req: http.IncomingMessage): void {
  const [rawType, ...params] = (req.headers['content-type'] ?? '').split(';');
  const type = rawType!.trim().toLowerCase();
  const charset = params
    .map((p) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(p)?.[1]?.toLowerCase())
    .find((c) => c !== undefined);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    throw new HttpError(
      415,
      `the body must be UTF-8 JSON (got charset=${charset}): send Content-Type: application/json`,
    );
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return;
  throw new HttpError(
    415,
    `the body must be JSON: send Content-Type: application/json${type ? ` (got ${type})` : ''}`,
  );
}

/** Equal strings, compared in time that does not depend on where they differ (nor on their lengths). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
