import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from '../../../src/domain/messages/html-to-text.js';

describe('htmlToText', () => {
  it('makes paragraphs, line breaks and headings readable', () => {
    const html = `<!doctype html><html><head><title>Ignored</title><style>p { color: red }</style></head>
      <body><h1>Hello   Ada</h1><p>First line<br>second line</p><div><p>Nested</p></div><p>Spaced<br><br>out</p><!-- a comment --><script>alert(1)</script></body></html>`;
    expect(htmlToText(html)).toBe(
      'Hello Ada\n\nFirst line\nsecond line\n\nNested\n\nSpaced\n\nout',
    );
  });

  it('writes links as "text (url)", or the url alone when the text is the url', () => {
    expect(
      htmlToText('<p>See <a href="https://shop.example/sale?a=1&amp;b=2">our sale</a>.</p>'),
    ).toBe('See our sale (https://shop.example/sale?a=1&b=2).');
    expect(htmlToText('<a href="https://shop.example/">https://shop.example/</a>')).toBe(
      'https://shop.example/',
    );
    expect(htmlToText('<a href="https://shop.example/"><img src="logo.png" alt=""></a>')).toBe(
      'https://shop.example/',
    );
    expect(htmlToText('<a href="mailto:help@shop.example">Write to us</a>')).toBe(
      'Write to us (help@shop.example)',
    );
    expect(htmlToText('<a href="#top">Back to top</a>')).toBe('Back to top');
  });

  it('decodes entities', () => {
    expect(
      htmlToText(
        '<p>Tom &amp; Jerry &lt;3 &quot;cheese&quot; &euro;5 &#8364;5 &#x20AC;5&nbsp;now &hellip; &unknown;</p>',
      ),
    ).toBe('Tom & Jerry <3 "cheese" €5 €5 €5 now … &unknown;');
    expect(decodeEntities('&#0; &#xD800;')).toBe('\uFFFD \uFFFD');
  });

  for (const { what, html, text } of [
    {
      what: 'lists items, numbered in ordered lists, indented when nested',
      html: '<p>Steps:</p><ol><li>Pick</li><li>Pay<ul><li>card</li><li>cash</li></ul></li></ol><ul><li>one</li></ul>',
      text: 'Steps:\n\n1. Pick\n2. Pay\n  - card\n  - cash\n\n- one',
    },
    {
      what: 'turns layout tables into lines, and images into their alt text',
      html: '<table><tr><td><img src="x.png" alt="Boomerang Shop"></td></tr><tr><td>Your code</td><td><b>SAVE10</b></td></tr></table><hr><p>Footer</p>',
      text: 'Boomerang Shop\nYour code\nSAVE10\n\n----------\n\nFooter',
    },
    {
      what: 'keeps text that is not HTML as it is, apart from whitespace',
      html: '  just text, 2 < 3  ',
      text: 'just text, 2 < 3',
    },
  ])
    it(what, () => {
      expect(htmlToText(html)).toBe(text);
    });
});
