/**
 * The plain-text part of an email, made from its HTML part when the template has no text of its own.
 *
 * Readable rather than exhaustive: paragraphs and blocks become blank-line separated, <br> a line
 * break, list items "- " lines (numbered in <ol>), links "text (url)" (just the url when the text is
 * the url), images their alt text, <hr> a rule; <head>, <style>, <script> and comments disappear;
 * entities are decoded. Pure string work, no dependencies.
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  deg: '°',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  times: '×',
  divide: '÷',
  shy: '',
  zwnj: '',
  zwj: '',
  iexcl: '¡',
  iquest: '¿',
  ordf: 'ª',
  ordm: 'º',
  plusmn: '±',
  frac12: '½',
  aacute: 'á',
  eacute: 'é',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ntilde: 'ñ',
  uuml: 'ü',
  ccedil: 'ç',
  Aacute: 'Á',
  Eacute: 'É',
  Iacute: 'Í',
  Oacute: 'Ó',
  Uacute: 'Ú',
  Ntilde: 'Ñ',
  Uuml: 'Ü',
  Ccedil: 'Ç',
  agrave: 'à',
  egrave: 'è',
  ugrave: 'ù',
  acirc: 'â',
  ecirc: 'ê',
  icirc: 'î',
  ocirc: 'ô',
  ucirc: 'û',
  auml: 'ä',
  ouml: 'ö',
  Auml: 'Ä',
  Ouml: 'Ö',
  szlig: 'ß',
  euml: 'ë',
  iuml: 'ï',
};

/** Decodes named (common ones), decimal and hexadecimal character references. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (match, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X'
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
      if (
        !Number.isFinite(code) ||
        code <= 0 ||
        code > 0x10ffff ||
        (code >= 0xd800 && code <= 0xdfff)
      )
        return '\uFFFD';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[name] ?? NAMED_ENTITIES[name.toLowerCase()] ?? match;
  });
}

const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'aside',
  'nav',
  'blockquote',
  'pre',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'ul',
  'ol',
  'dl',
  'form',
  'figure',
  'figcaption',
  'address',
  'center',
]);
const LINE = new Set(['tr', 'td', 'th', 'dt', 'dd', 'caption']);

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(
    `(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+))`,
    'i',
  ).exec(attrs);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

// Paragraph breaks and line breaks are written as markers first, and resolved once at the end, so
// that nested blocks do not pile up blank lines.
const PARAGRAPH = '\u0000P\u0000';
const NEWLINE = '\u0000N\u0000';
/** A <br>: two in a row make a blank line, unlike the line breaks that structure (cells, items) makes. */
const BREAK = '\u0000B\u0000';
const INDENT = '\u0001';

export function htmlToText(html: string): string {
  const cleaned = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(head|style|script|title|template|noscript)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!doctype[^>]*>/gi, '');

  let out = '';
  const links: { href: string | undefined; start: number }[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let preDepth = 0;

  const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)\/?>|([^<]+)|(<)/g;
  for (const m of cleaned.matchAll(TOKEN)) {
    const [, closing, rawName, attrs = '', text, stray] = m;
    if (text !== undefined || stray !== undefined) {
      const raw = text ?? stray!;
      out +=
        preDepth > 0
          ? decodeEntities(raw).replace(/\n/g, NEWLINE)
          : decodeEntities(raw.replace(/\s+/g, ' '));
      continue;
    }
    const name = rawName!.toLowerCase();
    if (name === 'br') {
      out += BREAK;
    } else if (name === 'hr') {
      out += `${PARAGRAPH}----------${PARAGRAPH}`;
    } else if (name === 'img') {
      const alt = attribute(attrs, 'alt');
      if (alt) out += alt;
    } else if (name === 'a') {
      if (!closing) {
        links.push({ href: attribute(attrs, 'href')?.trim(), start: out.length });
      } else {
        const link = links.pop();
        if (link?.href && /^(https?:|mailto:|tel:)/i.test(link.href)) {
          const shown = link.href.replace(/^(mailto|tel):/i, '');
          const label = out
            .slice(link.start)
            // eslint-disable-next-line no-control-regex -- NUL-delimited markers are our own, never in input text
            .replace(/\u0000[PNB]\u0000/g, ' ')
            .trim();
          if (label === '') out += shown;
          else if (label !== shown && label !== shown.replace(/\/$/, '') && !label.includes(shown))
            out += ` (${shown})`;
        }
      }
    } else if (name === 'ul' || name === 'ol') {
      if (!closing)
        lists.push({ ordered: name === 'ol', next: Number(attribute(attrs, 'start') ?? 1) || 1 });
      else lists.pop();
      // A list nested in an item continues the outer list; an outermost one is a block.
      out += lists.length > (closing ? 0 : 1) ? NEWLINE : PARAGRAPH;
    } else if (name === 'li') {
      if (!closing) {
        const list = lists[lists.length - 1];
        const indent = INDENT.repeat(Math.max(0, lists.length - 1));
        const bullet = list?.ordered ? `${list.next++}. ` : '- ';
        out += `${NEWLINE}${indent}${bullet}`;
      }
    } else if (name === 'pre') {
      preDepth += closing ? -1 : 1;
      preDepth = Math.max(0, preDepth);
      out += PARAGRAPH;
    } else if (BLOCK.has(name)) {
      out += PARAGRAPH;
    } else if (LINE.has(name)) {
      out += closing ? NEWLINE : name === 'td' || name === 'th' ? ' ' : NEWLINE;
    }
  }

  // Resolve markers: trim each line, collapse runs of breaks: a paragraph, or two <br> in a row,
  // make one blank line; anything else one line break.
  return (
    out
      // eslint-disable-next-line no-control-regex -- NUL-delimited markers are our own, never in input text
      .replace(/(?:\s*\u0000[PNB]\u0000\s*)+/g, (run) =>
        run.includes(PARAGRAPH) || run.split(BREAK).length > 2 ? '\n\n' : '\n',
      )
      .split('\n')
      .map((line) => line.trim().replaceAll(INDENT, '  '))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}
