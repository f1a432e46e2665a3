/**
 * Who may call a route: the store's API key (`POST /events`, RFC 6750 bearer token) and the
 * operator key (`/dashboard`, `/api/report`, `/metrics`, `/codec`), which a person gives as the
 * password of HTTP Basic auth (the browser's sign-in prompt) and a program as a bearer token.
 */
import type http from 'node:http';
import { HttpError, safeEqual } from './respond.js';

/** RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`; the scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const BASIC = /^Basic +([A-Za-z0-9+/]+=*)$/i;
const SCHEME = /^([A-Za-z0-9!#$%&'*+\-.^_`|~]+)(?:[ \t]|$)/;

export type Credentials =
  | { scheme: 'bearer'; token: string }
  | { scheme: 'basic'; user: string; password: string }
  | { scheme: 'other'; name: string }
  | { scheme: 'malformed'; name: string };

/** The credentials of an `Authorization` header; undefined when there is none. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined || header === '') return undefined;
  const name = SCHEME.exec(header)?.[1];
  if (!name) return { scheme: 'malformed', name: '' };
  const lower = name.toLowerCase();
  if (lower === 'bearer') {
    const match = BEARER.exec(header);
    return match ? { scheme: 'bearer', token: match[1]! } : { scheme: 'malformed', name };
  }
  if (lower === 'basic') {
    const match = BASIC.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) return { scheme: 'malformed', name };
    return { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { scheme: 'other', name };
}

function bearerChallenge(realm: string, error?: 'invalid_request' | 'invalid_token'): string {
  return `Bearer realm="${realm}"${error ? `, error="${error}"` : ''}`;
}

/**
 * 401 unless `Authorization: Bearer <expected>` (RFC 6750); 400 for a Bearer header that is not
 * well formed. Every request is refused when no key is configured.
 */
export function requireBearer(
  req: http.IncomingMessage,
  expected: string | undefined,
  variable: string,
): void {
  const realm = 'boomerang';
  if (!expected)
    throw new HttpError(
      401,
      `${variable} is not set on the server: every request is refused until it is configured`,
      {},
      { 'www-authenticate': bearerChallenge(realm) },
    );
  const credentials = parseAuthorization(req.headers.authorization);
  if (!credentials)
    throw new HttpError(
      401,
      `missing Authorization header; send "Authorization: Bearer <${variable}>"`,
      {},
      { 'www-authenticate': bearerChallenge(realm) },
    );
  if (credentials.scheme === 'malformed' && credentials.name.toLowerCase() === 'bearer')
    throw new HttpError(
      400,
      'the Authorization header must be "Bearer <API key>": one space, then the key (letters, digits, - . _ ~ + /, then = padding)',
      {},
      { 'www-authenticate': bearerChallenge(realm, 'invalid_request') },
    );
  if (credentials.scheme !== 'bearer')
    throw new HttpError(
      401,
      'the Authorization header must be "Bearer <API key>"',
      {},
      {
        'www-authenticate': bearerChallenge(realm),
      },
    );
  if (!safeEqual(credentials.token, expected))
    throw new HttpError(
      401,
      'wrong API key',
      {},
      {
        'www-authenticate': bearerChallenge(realm, 'invalid_token'),
      },
    );
}

const OPERATOR_REALM = 'boomerang operator';

/**
 * 401 unless the request carries the operator key, as the password of Basic auth (any user name)
 * or as a bearer token. The Basic challenge makes a browser ask for it; nothing is open while the
 * key is not configured.
 */
export function requireOperator(req: http.IncomingMessage, operatorKey: string | undefined): void {
  const challenges = [
    `Basic realm="${OPERATOR_REALM}", charset="UTF-8"`,
    bearerChallenge(OPERATOR_REALM),
  ];
  const refuse = (status: number, message: string, error?: 'invalid_request' | 'invalid_token') =>
    new HttpError(
      status,
      message,
      {},
      {
        'www-authenticate': [challenges[0]!, bearerChallenge(OPERATOR_REALM, error)],
      },
    );
  if (!operatorKey)
    throw refuse(
      401,
      'BOOMERANG_OPERATOR_KEY is not set on the server: the operator pages are closed until it is configured',
    );
  const credentials = parseAuthorization(req.headers.authorization);
  if (!credentials)
    throw refuse(
      401,
      'sign in with the operator key (BOOMERANG_OPERATOR_KEY; `npm start` prints it and keeps it in secrets.json in its data directory): as the password of Basic auth, or "Authorization: Bearer <key>"',
    );
  if (credentials.scheme === 'malformed')
    throw refuse(
      400,
      `the Authorization header is not well-formed ${credentials.name || 'credentials'}`,
      'invalid_request',
    );
  const given =
    credentials.scheme === 'bearer'
      ? credentials.token
      : credentials.scheme === 'basic'
        ? credentials.password
        : undefined;
  if (given === undefined)
    throw refuse(401, 'the operator key goes in Basic auth (as the password) or as a Bearer token');
  if (!safeEqual(given, operatorKey)) throw refuse(401, 'wrong operator key', 'invalid_token');
}
