import { describe, expect, it } from 'vitest';
import {
  addUtmParams,
  addUtmToHtml,
  addUtmToText,
  isUnsubscribeLink,
  type UtmParams,
} from '../../../src/domain/messages/utm.js';

const utm: UtmParams = { source: 'boomerang', medium: 'email', campaign: 'low-clv' };
const TAGS = 'utm_source=boomerang&utm_medium=email&utm_campaign=low-clv';

describe('addUtmParams', () => {
  it('adds source, medium and campaign to a bare URL', () => {
    expect(addUtmParams('https://shop.example/sale', utm)).toBe(
      `https://shop.example/sale?${TAGS}`,
    );
    expect(addUtmParams('https://shop.example', utm)).toBe(`https://shop.example?${TAGS}`);
    expect(addUtmParams('HTTP://shop.example/', utm)).toBe(`HTTP://shop.example/?${TAGS}`);
  });

  it('keeps existing query parameters, their encoding, and the fragment', () => {
    expect(addUtmParams('https://shop.example/p?color=red&size=M%2FL#reviews', utm)).toBe(
      `https://shop.example/p?color=red&size=M%2FL&${TAGS}#reviews`,
    );
    expect(addUtmParams('https://shop.example/p#top', utm)).toBe(
      `https://shop.example/p?${TAGS}#top`,
    );
    expect(addUtmParams('https://shop.example/p?', utm)).toBe(`https://shop.example/p?${TAGS}`);
    expect(addUtmParams('https://shop.example/p?a=1&', utm)).toBe(
      `https://shop.example/p?a=1&${TAGS}`,
    );
  });

  it('never overrides a UTM parameter the link already has', () => {
    expect(addUtmParams('https://shop.example/?utm_source=instagram&x=1', utm)).toBe(
      'https://shop.example/?utm_source=instagram&x=1&utm_medium=email&utm_campaign=low-clv',
    );
    const complete = `https://shop.example/?UTM_SOURCE=a&utm_medium=b&utm_campaign=c`;
    expect(addUtmParams(complete, utm)).toBe(complete);
  });

  it('adds utm_content and utm_term when given, and encodes values', () => {
    expect(
      addUtmParams('https://shop.example/', {
        source: 'news letter',
        medium: 'email',
        campaign: 'spring/2026',
        content: 'hero',
        term: 'shoes & bags',
      }),
    ).toBe(
      'https://shop.example/?utm_source=news%20letter&utm_medium=email&utm_campaign=spring%2F2026&utm_content=hero&utm_term=shoes%20%26%20bags',
    );
  });

  it('leaves mailto:, tel:, relative, fragment-only and unsubscribe links alone', () => {
    for (const url of [
      'mailto:help@shop.example?subject=Hi',
      'tel:+34911222333',
      '/relative/path',
      '#top',
      'https://shop.example/unsubscribe?token=abc.def',
      'https://shop.example/email/Unsubscribe/',
      'https://shop.example/unsubscribe-all',
      'ftp://files.example/x',
    ]) {
      expect(addUtmParams(url, utm), url).toBe(url);
    }
    expect(isUnsubscribeLink('https://shop.example/products/unsub')).toBe(false);
  });

  it('lets the caller skip more links', () => {
    expect(
      addUtmParams('https://legal.example/privacy', utm, {
        skip: (u) => u.startsWith('https://legal.example'),
      }),
    ).toBe('https://legal.example/privacy');
  });

  it('is idempotent', () => {
    const once = addUtmParams('https://shop.example/p?x=1#f', utm);
    expect(addUtmParams(once, utm)).toBe(once);
  });
});

describe('addUtmToHtml', () => {
  it('tags every http(s) href, whatever the quoting, and nothing else', () => {
    const html = [
      '<a href="https://shop.example/a">A</a>',
      "<a class='btn' href='https://shop.example/b?x=1'>B</a>",
      '<a href=https://shop.example/c>C</a>',
      '<area shape="rect" href="https://shop.example/d">',
      '<a href="mailto:help@shop.example">mail</a>',
      '<a href="https://shop.example/unsubscribe?token=t.s">Unsubscribe</a>',
      '<link rel="stylesheet" href="https://fonts.example/css">',
      '<p>Visit https://shop.example/text-in-html</p>',
    ].join('\n');
    const out = addUtmToHtml(html, utm).split('\n');
    expect(out[0]).toBe(`<a href="https://shop.example/a?${TAGS.replace(/&/g, '&amp;')}">A</a>`);
    expect(out[1]).toBe(
      `<a class='btn' href='https://shop.example/b?x=1&amp;${TAGS.replace(/&/g, '&amp;')}'>B</a>`,
    );
    expect(out[2]).toBe(`<a href=https://shop.example/c?${TAGS.replace(/&/g, '&amp;')}>C</a>`);
    expect(out[3]).toContain('href="https://shop.example/d?utm_source=boomerang&amp;');
    expect(out.slice(4)).toEqual(html.split('\n').slice(4));
  });

  it('reads &amp; in an href as & and keeps the query as it was', () => {
    const out = addUtmToHtml('<a href="https://shop.example/?a=1&amp;utm_source=x">x</a>', utm);
    expect(out).toBe(
      '<a href="https://shop.example/?a=1&amp;utm_source=x&amp;utm_medium=email&amp;utm_campaign=low-clv">x</a>',
    );
  });

  it('is idempotent', () => {
    const html = '<a href="https://shop.example/p?x=1#f">p</a>';
    const once = addUtmToHtml(html, utm);
    expect(addUtmToHtml(once, utm)).toBe(once);
  });
});

describe('addUtmToText', () => {
  it('tags URLs in prose without swallowing the punctuation around them', () => {
    const text =
      'Shop now: https://shop.example/sale. Or see our offers (https://shop.example/offers), https://en.wikipedia.org/wiki/Foo_(bar)!';
    expect(addUtmToText(text, utm)).toBe(
      `Shop now: https://shop.example/sale?${TAGS}. Or see our offers (https://shop.example/offers?${TAGS}), https://en.wikipedia.org/wiki/Foo_(bar)?${TAGS}!`,
    );
  });

  it('leaves unsubscribe links and non-http text alone', () => {
    const text =
      'Unsubscribe: https://shop.example/unsubscribe?token=a.b\nWrite to help@shop.example or call tel:+34911222333';
    expect(addUtmToText(text, utm)).toBe(text);
  });

  it('tags the "text (url)" links of a generated text part', () => {
    expect(addUtmToText('Shop now (https://shop.example/)', utm)).toBe(
      `Shop now (https://shop.example/?${TAGS})`,
    );
  });
});
