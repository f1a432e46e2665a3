import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EMAIL_TEMPLATES,
  DEFAULT_SMS_TEMPLATES,
} from '../../src/channels/default-templates.js';
import {
  describeProblem,
  emailTemplateSchema,
  renderEmailTemplate,
  renderSmsTemplate,
  TemplateRenderError,
  validateTemplate,
} from '../../src/channels/templates.js';

const madrid = { locale: 'en-GB', timeZone: 'Europe/Madrid' };
const variables = {
  contact: { first_name: 'Ada' },
  coupon: { code: 'SAVE-10', expires_at: '2026-12-07T23:30:00.000Z', discount: '10%' },
  shop: { name: 'Boomerang Shop', url: 'https://shop.example/' },
  unsubscribe_url: 'https://boomerang.example/unsubscribe?token=abc.def',
};

describe('rendering', () => {
  it('fills in the variables, and makes the text part from the HTML', async () => {
    const out = await renderEmailTemplate(
      {
        subject: 'Hi {{ contact.first_name }}, your code {{ coupon.code }}',
        html: '<p>Hi {{ contact.first_name }},</p><p>Use <b>{{ coupon.code }}</b> before {{ coupon.expires_at | format_date }}.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
      },
      variables,
      madrid,
    );
    expect(out.subject).toBe('Hi Ada, your code SAVE-10');
    // 23:30 UTC on the 7th is already the 8th in Madrid.
    expect(out.html).toContain('Use <b>SAVE-10</b> before 8 December 2026.');
    expect(out.text).toBe(
      'Hi Ada,\n\nUse SAVE-10 before 8 December 2026.\n\nUnsubscribe (https://boomerang.example/unsubscribe?token=abc.def)',
    );
  });

  it('escapes HTML in the HTML part only, unless asked not to', async () => {
    const evil = {
      contact: { first_name: '<script>alert("x")</script> & co' },
      snippet: '<em>ok</em>',
    };
    const out = await renderEmailTemplate(
      {
        subject: 'Hi {{ contact.first_name }}',
        html: '<p>{{ contact.first_name }}</p>{{ snippet | raw }}',
        text: 'Hi {{ contact.first_name }}',
      },
      evil,
      madrid,
    );
    expect(out.html).toBe(
      '<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p><em>ok</em>',
    );
    expect(out.subject).toBe('Hi <script>alert("x")</script> & co');
    expect(out.text).toBe('Hi <script>alert("x")</script> & co');
    const sms = await renderSmsTemplate({ body: 'Hi {{ contact.first_name }}' }, evil, madrid);
    expect(sms.body).toBe('Hi <script>alert("x")</script> & co');
  });

  it('renders unknown variables empty, and keeps subjects on one line', async () => {
    const out = await renderEmailTemplate(
      {
        subject: 'Hello{{ nobody.name }}\r\nBcc: victim@example.com',
        html: '<p>[{{ missing }}]</p>',
      },
      {},
      madrid,
    );
    expect(out.subject).toBe('Hello Bcc: victim@example.com');
    expect(out.html).toBe('<p>[]</p>');
  });

  it("writes dates in the contact's locale and time zone", async () => {
    const render = (tpl: string, locale: string, timeZone: string) =>
      renderSmsTemplate({ body: tpl }, variables, { locale, timeZone });
    expect(
      (await render('{{ coupon.expires_at | format_date }}', 'es-ES', 'Europe/Madrid')).body,
    ).toBe('8 de diciembre de 2026');
    expect(
      (await render('{{ coupon.expires_at | format_date }}', 'en-US', 'America/New_York')).body,
    ).toBe('December 7, 2026');
    expect(
      (
        await render(
          '{{ coupon.expires_at | format_date: "short", "short" }}',
          'en-GB',
          'Europe/Madrid',
        )
      ).body,
    ).toBe('08/12/2026, 00:30');
    expect(
      (await render('{{ coupon.expires_at | date: "%Y-%m-%d %H:%M" }}', 'en', 'Asia/Tokyo')).body,
    ).toBe('2026-12-08 08:30');
    expect(
      (await render('{{ nothing | format_date }}|{{ "not a date" | format_date }}', 'en', 'UTC'))
        .body,
    ).toBe('|not a date');
  });

  it('reports a render-time error with its position', async () => {
    const error = await renderSmsTemplate(
      { body: 'line one\n{% include "secrets.txt" %}' },
      {},
      madrid,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateRenderError);
    expect(error).toMatchObject({ part: 'body', line: 2, column: 1 });
  });

  it('cannot read files with include or render', async () => {
    for (const tag of [
      '{% include "package.json" %}',
      '{% render "package.json" %}',
      '{% layout "package.json" %}',
    ]) {
      await expect(renderSmsTemplate({ body: tag }, {}, madrid)).rejects.toThrow(
        /Failed to lookup/,
      );
    }
  });
});

describe('validateTemplate', () => {
  it('accepts a good template', () => {
    expect(
      validateTemplate({
        subject: 'Hi {{ contact.first_name | capitalize }}',
        html: '<a href="{{ unsubscribe_url }}">x</a>',
      }),
    ).toEqual({ ok: true });
    expect(validateTemplate({ body: 'Code {{ coupon.code }}' })).toEqual({ ok: true });
  });

  it('reports syntax errors and unknown filters with part, line and column', () => {
    const result = validateTemplate({
      subject: 'Hi {{ contact.first_name',
      html: '<p>Hello</p>\n<p>{{ coupon.code | upcas }}</p>\n<a href="{{ unsubscribe_url }}">x</a>',
      text: 'ok\n\n  {% if coupon.code %}no end',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { part: 'subject', message: 'output "{{ contact.first_name" not closed', line: 1, column: 4 },
      { part: 'html', message: 'undefined filter: upcas', line: 2, column: 4 },
      { part: 'text', message: 'tag {% if coupon.code %} not closed', line: 3, column: 3 },
    ]);
    expect(result.problems.map(describeProblem)).toContain(
      'html, line 2, column 4: undefined filter: upcas',
    );
  });

  it('requires the parts and an unsubscribe link in emails', () => {
    expect(validateTemplate({ subject: ' ', html: '<p>no link</p>' })).toEqual({
      ok: false,
      problems: [
        { part: 'subject', message: 'is empty', line: 0, column: 0 },
        {
          part: 'html',
          message: 'must link {{ unsubscribe_url }} (marketing emails carry an unsubscribe link)',
          line: 0,
          column: 0,
        },
      ],
    });
    expect(
      validateTemplate({ subject: 'x', html: '<p>no link</p>' }, { requireUnsubscribeLink: false }),
    ).toEqual({ ok: true });
    expect(validateTemplate({ body: '' })).toMatchObject({
      ok: false,
      problems: [{ part: 'body', message: 'is empty' }],
    });
  });

  it('backs a zod schema for campaign definitions', () => {
    const parsed = emailTemplateSchema.safeParse({
      subject: 'x',
      html: '{% for %}<a href="{{ unsubscribe_url }}">u</a>',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['html'],
      message: expect.stringMatching(/^html, line 1, column 1: /),
    });
  });
});

describe('default templates', () => {
  const names = Object.keys(DEFAULT_EMAIL_TEMPLATES) as (keyof typeof DEFAULT_EMAIL_TEMPLATES)[];

  it('are the seven messages the campaigns send', () => {
    expect([...names, ...Object.keys(DEFAULT_SMS_TEMPLATES)].sort()).toEqual(
      [
        'low-clv-offer',
        'low-clv-reminder',
        'reactivation-coupon',
        'welcome-offer',
        'welcome-voucher',
        'voucher-reminder',
        'voucher-reminder-sms',
      ].sort(),
    );
  });

  it('are valid', () => {
    for (const name of names)
      expect(validateTemplate(DEFAULT_EMAIL_TEMPLATES[name]), name).toEqual({ ok: true });
    expect(validateTemplate(DEFAULT_SMS_TEMPLATES['voucher-reminder-sms'])).toEqual({ ok: true });
  });

  it.each(names)(
    '%s names the coupon code and its expiry, and links the unsubscribe page',
    async (name) => {
      const out = await renderEmailTemplate(DEFAULT_EMAIL_TEMPLATES[name], variables, madrid);
      expect(out.html).toContain('SAVE-10');
      expect(out.text).toContain('SAVE-10');
      expect(out.text).toContain('8 December 2026');
      expect(out.html).toContain('href="https://boomerang.example/unsubscribe?token=abc.def"');
      expect(out.text).toContain(
        'Unsubscribe (https://boomerang.example/unsubscribe?token=abc.def)',
      );
      expect(out.subject).not.toMatch(/\{|\}|\n/);
      expect(out.html).not.toMatch(/\{\{|\{%/);
    },
  );

  it('read well without a first name, a coupon expiry or a shop URL', async () => {
    const out = await renderEmailTemplate(
      DEFAULT_EMAIL_TEMPLATES['low-clv-offer'],
      {
        coupon: { code: 'X1' },
        shop: { name: 'Shop' },
        unsubscribe_url: 'https://b/unsubscribe?token=t',
      },
      madrid,
    );
    expect(out.subject).toBe('A coupon just for you: X1');
    expect(out.text).toContain('Hi,');
    expect(out.text).not.toContain('Valid until');
    expect(out.html).not.toContain('Shop now');
    const welcome = await renderEmailTemplate(
      DEFAULT_EMAIL_TEMPLATES['welcome-offer'],
      { shop: { name: 'Shop' }, unsubscribe_url: 'https://b/unsubscribe?token=t' },
      madrid,
    );
    expect(welcome.subject).toBe('Welcome to Shop!');
    expect(welcome.text).not.toContain('Your code');
  });

  it('the reminder SMS fits in a couple of segments', async () => {
    const out = await renderSmsTemplate(
      DEFAULT_SMS_TEMPLATES['voucher-reminder-sms'],
      variables,
      madrid,
    );
    expect(out.body).toBe(
      'Boomerang Shop: Hi Ada, your voucher SAVE-10 expires on 8 Dec 2026. Use it at checkout: https://shop.example/. Reply STOP to opt out.',
    );
    expect(out.body.length).toBeLessThanOrEqual(306);
  });
});
