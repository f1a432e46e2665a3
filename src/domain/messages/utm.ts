/**
 * Google Analytics UTM tagging of the links of a message ("Enable Google Analytics" in the seeds'
 * "Send email" nodes).
 *
 * Every http(s) link gets utm_source, utm_medium, utm_campaign and, when given, utm_content and
 * utm_term. The rest of the URL is kept byte for byte: existing query parameters, their order and
 * encoding, and the fragment. A parameter the link already carries is never overridden, so tagging
 * twice is the same as tagging once. mailto:, tel:, relative and fragment-only links, and
 * unsubscribe links (a path segment starting with "unsubscribe", or whatever `skip` says) are left
 * alone.
 *
 * Pure string work: no Node built-ins, no URL normalisation.
 */

export interface UtmParams {
  source: string;
  medium: string;
  campaign: string;
  content?: string | undefined;
  term?: string | undefined;
}

export interface UtmOptions {
  /** Links to leave untouched besides the built-in ones (e.g. a tracking-free legal page). */
  skip?: (url: string) => boolean;
}

const HTTP_URL = /^https?:\/\/[^/?#\s]/i;

/** True for a link the tagging never touches: not http(s), or an unsubscribe link. */
export function isUntaggableLink(url: string): boolean {
  if (!HTTP_URL.test(url)) return true;
  return isUnsubscribeLink(url);
}

/** An unsubscribe link: a path segment starting with "unsubscribe" (…/unsubscribe, …/unsubscribe-all). */
export function isUnsubscribeLink(url: string): boolean {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/, 1)[0] ?? '';
  return path.split('/').some((segment) => /^unsubscribe/i.test(safeDecode(segment)));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function utmPairs(utm: UtmParams): [string, string][] {
  const pairs: [string, string | undefined][] = [
    ['utm_source', utm.source],
    ['utm_medium', utm.medium],
    ['utm_campaign', utm.campaign],
    ['utm_content', utm.content],
    ['utm_term', utm.term],
  ];
  return pairs.filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '');
}

/** Adds the UTM parameters a single http(s) URL lacks; returns any other URL unchanged. */
export function addUtmParams(url: string, utm: UtmParams, options: UtmOptions = {}): string {
  if (isUntaggableLink(url) || options.skip?.(url)) return url;
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);

  const present = new Set(
    query
      .split('&')
      .filter((p) => p !== '')
      .map((p) => safeDecode(p.split('=', 1)[0]!).toLowerCase()),
  );
  const missing = utmPairs(utm).filter(([name]) => !present.has(name));
  if (missing.length === 0) return url;
  const added = missing.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  const separator = query === '' || query.endsWith('&') ? '' : '&';
  return `${base}?${query}${separator}${added}${fragment}`;
}

/** The characters HTML lets stand for others inside an attribute value. */
function decodeAttribute(value: string): string {
  return value.replace(/&(amp|quot|apos|lt|gt|#39|#x27|#34|#38|#x26);/gi, (_, name: string) => {
    switch (name.toLowerCase()) {
      case 'amp':
      case '#38':
      case '#x26':
        return '&';
      case 'quot':
      case '#34':
        return '"';
      case 'apos':
      case '#39':
      case '#x27':
        return "'";
      case 'lt':
        return '<';
      default:
        return '>';
    }
  });
}

function encodeAttribute(value: string, quote: '"' | "'" | ''): string {
  let out = value.replace(/&/g, '&amp;');
  if (quote === '"') out = out.replace(/"/g, '&quot;');
  if (quote === "'") out = out.replace(/'/g, '&#39;');
  return out;
}

// The href of links only (<a>, <area>): a stylesheet's <link href> is not something people click.
const HREF = /(<(?:a|area)\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

/** Tags the href of every link (<a>, <area>) of an HTML body. */
export function addUtmToHtml(html: string, utm: UtmParams, options: UtmOptions = {}): string {
  return html.replace(HREF, (match, prefix: string, dq?: string, sq?: string, bare?: string) => {
    const raw = dq ?? sq ?? bare ?? '';
    const quote = dq !== undefined ? '"' : sq !== undefined ? "'" : '';
    const url = decodeAttribute(raw.trim());
    const tagged = addUtmParams(url, utm, options);
    if (tagged === url) return match;
    return `${prefix}${quote}${encodeAttribute(tagged, quote)}${quote}`;
  });
}

// A URL in prose ends before whitespace, angle brackets and quotes; trailing sentence punctuation
// and a closing bracket without its opening one are not part of it ("see (https://x.io/a).").
const TEXT_URL = /https?:\/\/[^\s<>"'`]+/gi;

function trimTrailing(url: string): string {
  let end = url.length;
  for (;;) {
    const ch = url[end - 1];
    if (ch === undefined) break;
    if ('.,;:!?'.includes(ch)) {
      end--;
      continue;
    }
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    const open = pairs[ch];
    if (open !== undefined) {
      const body = url.slice(0, end);
      const opens = body.split(open).length - 1;
      const closes = body.split(ch).length - 1;
      if (closes > opens) {
        end--;
        continue;
      }
    }
    break;
  }
  return url.slice(0, end);
}

/** Tags every http(s) URL written out in a plain-text body (or an SMS). */
export function addUtmToText(text: string, utm: UtmParams, options: UtmOptions = {}): string {
  return text.replace(TEXT_URL, (match) => {
    const url = trimTrailing(match);
    return addUtmParams(url, utm, options) + match.slice(url.length);
  });
}
