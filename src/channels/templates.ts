/**
 * Message templates in Liquid (liquidjs): an email is { subject, html, text? }, an SMS { body }.
 *
 * - Variables: contact.first_name, contact.last_name, contact.email, coupon.code,
 *   coupon.expires_at, coupon.discount, shop.name, shop.url, unsubscribe_url, and whatever the
 *   campaign passes. An unknown variable renders empty (strict variables off) so that an optional
 *   one needs no guard; an unknown filter is an error (strict filters on), found when the template
 *   is parsed, i.e. when the campaign is created (`validateTemplate`).
 * - The HTML part escapes every output by default (`{{ x | raw }}` to opt out); subject, text and
 *   SMS are plain text and are not escaped. Subjects lose their line breaks.
 * - Dates: `{{ coupon.expires_at | format_date }}` writes a date in the contact's locale and time
 *   zone ("December 7, 2026"; `format_date: "short"`, `format_date: "long", "short"` adds the time).
 *   The standard `date` filter (strftime) also defaults to the contact's time zone.
 * - No file system: {% include %} and {% render %} find nothing, so a template cannot read files.
 * - No text part: it is made from the rendered HTML (html-to-text).
 */
import { Liquid, type Template } from 'liquidjs';
import { z } from 'zod';
import { htmlToText } from '../domain/messages/html-to-text.js';

export interface EmailTemplate {
  subject: string;
  html: string;
  /** Liquid for the text part; without it the text part is made from the HTML. */
  text?: string | undefined;
}

export interface SmsTemplate {
  body: string;
}

export type MessageTemplate = EmailTemplate | SmsTemplate;

export function isSmsTemplate(template: MessageTemplate): template is SmsTemplate {
  return typeof (template as SmsTemplate).body === 'string';
}

export type TemplatePart = 'subject' | 'html' | 'text' | 'body';

export interface TemplateProblem {
  part: TemplatePart;
  message: string;
  /** 1-based; 0 when the problem is not at a position (e.g. a missing part). */
  line: number;
  column: number;
}

export type TemplateValidation = { ok: true } | { ok: false; problems: TemplateProblem[] };

/** How dates are written for this message: the contact's locale and time zone. */
export interface RenderLocale {
  locale: string;
  timeZone: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A template that failed to render, with where. */
export class TemplateRenderError extends Error {
  constructor(
    readonly part: TemplatePart,
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(line > 0 ? `${part}, line ${line}, column ${column}: ${message}` : `${part}: ${message}`);
    this.name = 'TemplateRenderError';
  }
}

// The render's locale and time zone ride on the scope under a symbol, out of the templates' reach.
const LOCALE = Symbol('render locale');
type Scope = Record<string, unknown> & { [LOCALE]?: RenderLocale };

const DATE_STYLES = ['full', 'long', 'medium', 'short'] as const;
type DateStyle = (typeof DATE_STYLES)[number];

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

function formatDate(
  value: unknown,
  settings: RenderLocale,
  dateStyle: unknown,
  timeStyle: unknown,
): unknown {
  const date = toDate(value);
  if (!date) return value;
  const style = (s: unknown, fallback: DateStyle | undefined): DateStyle | undefined =>
    DATE_STYLES.includes(s as DateStyle) ? (s as DateStyle) : fallback;
  const options: Intl.DateTimeFormatOptions = {
    timeZone: settings.timeZone,
    dateStyle: style(dateStyle, 'long'),
  };
  const time = style(timeStyle, undefined);
  if (time) options.timeStyle = time;
  try {
    return new Intl.DateTimeFormat(settings.locale, options).format(date);
  } catch {
    return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' }).format(date);
  }
}

function createEngine(escapeHtml: boolean): Liquid {
  const engine = new Liquid({
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    outputEscape: escapeHtml ? 'escape' : undefined,
    // An in-memory, empty set of partials: {% include %} and {% render %} never reach the disk.
    templates: {},
    relativeReference: false,
    parseLimit: 1_000_000,
    renderLimit: 2_000,
    memoryLimit: 50_000_000,
  });
  const settings = (scope: unknown): RenderLocale =>
    (scope as Scope)[LOCALE] ?? { locale: 'en', timeZone: 'UTC' };
  engine.registerFilter(
    'format_date',
    function (
      this: { context: { environments: unknown } },
      value: unknown,
      dateStyle?: unknown,
      timeStyle?: unknown,
    ) {
      return formatDate(value, settings(this.context.environments), dateStyle, timeStyle);
    },
  );
  const builtinDate = engine.filters.date;
  if (typeof builtinDate === 'function') {
    engine.registerFilter(
      'date',
      function (
        this: { context: { environments: unknown } },
        value: unknown,
        format?: unknown,
        timeZone?: unknown,
      ) {
        return builtinDate.call(
          this as never,
          value,
          format,
          timeZone ?? settings(this.context.environments).timeZone,
        );
      },
    );
  }
  return engine;
}

const htmlEngine = createEngine(true);
const textEngine = createEngine(false);

// Parsed templates by source, so the same template is parsed once per process.
const parsed = new Map<string, Template[]>();
const PARSED_CACHE_SIZE = 500;

function engineFor(part: TemplatePart): Liquid {
  return part === 'html' ? htmlEngine : textEngine;
}

function parse(part: TemplatePart, source: string): Template[] {
  const key = `${part === 'html' ? 'h' : 't'}:${source}`;
  let tpl = parsed.get(key);
  if (!tpl) {
    tpl = engineFor(part).parse(source);
    if (parsed.size >= PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, tpl);
  }
  return tpl;
}

interface LiquidErrorLike {
  message: string;
  originalError?: Error;
  token?: { getPosition(): number[] };
}

function problemOf(part: TemplatePart, error: unknown): TemplateProblem {
  const e = error as LiquidErrorLike;
  const position = typeof e?.token?.getPosition === 'function' ? e.token.getPosition() : [0, 0];
  // liquidjs appends ", line:1, col:4" to its messages; the position is reported apart.
  const message = (e?.originalError?.message ?? e?.message ?? String(error)).replace(
    /, line:\d+, col:\d+$/,
    '',
  );
  return { part, message, line: position[0] ?? 0, column: position[1] ?? 0 };
}

function parts(template: MessageTemplate): [TemplatePart, string | undefined][] {
  if (isSmsTemplate(template)) return [['body', template.body]];
  return [
    ['subject', template.subject],
    ['html', template.html],
    ['text', template.text],
  ];
}

/**
 * The variables each part of a template reads from what it is given, as property paths
 * (`{{ contact.first_name }}` → ["contact", "first_name"]); names it assigns or loops over itself
 * are not among them, and a path stops at an index that is not a plain name. A part that does not
 * parse reads nothing here (validateTemplate reports it).
 */
export function variablesRead(template: MessageTemplate): { part: TemplatePart; path: string[] }[] {
  return parts(template).flatMap(([part, source]) => {
    if (typeof source !== 'string') return [];
    let segments: unknown[][];
    try {
      segments = engineFor(part).globalVariableSegmentsSync(parse(part, source));
    } catch {
      return [];
    }
    return segments.map((segment) => {
      const end = segment.findIndex((s) => typeof s !== 'string');
      return { part, path: (end < 0 ? segment : segment.slice(0, end)) as string[] };
    });
  });
}

export interface ValidateTemplateOptions {
  /** An email's HTML must link {{ unsubscribe_url }}. Default true. */
  requireUnsubscribeLink?: boolean;
}

/**
 * Parses every part of a template and reports each syntax error with its part, line and column,
 * e.g. `{ part: 'html', message: 'undefined filter: upcas', line: 3, column: 12 }`. Call it when a
 * campaign is created, so a broken template never reaches a send.
 */
export function validateTemplate(
  template: MessageTemplate,
  options: ValidateTemplateOptions = {},
): TemplateValidation {
  const problems: TemplateProblem[] = [];
  const required: TemplatePart[] = isSmsTemplate(template) ? ['body'] : ['subject', 'html'];
  for (const [part, source] of parts(template)) {
    if (source === undefined || source === null) {
      if (required.includes(part))
        problems.push({ part, message: 'is missing', line: 0, column: 0 });
      continue;
    }
    if (typeof source !== 'string') {
      problems.push({ part, message: 'must be a string', line: 0, column: 0 });
      continue;
    }
    if (required.includes(part) && source.trim() === '') {
      problems.push({ part, message: 'is empty', line: 0, column: 0 });
      continue;
    }
    try {
      parse(part, source);
    } catch (error) {
      problems.push(problemOf(part, error));
    }
  }
  if (
    !isSmsTemplate(template) &&
    (options.requireUnsubscribeLink ?? true) &&
    typeof template.html === 'string' &&
    !/\{\{-?\s*unsubscribe_url\b/.test(template.html)
  ) {
    problems.push({
      part: 'html',
      message: 'must link {{ unsubscribe_url }} (marketing emails carry an unsubscribe link)',
      line: 0,
      column: 0,
    });
  }
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}

/** A problem as one line, e.g. "html, line 3, column 12: undefined filter: upcas". */
export function describeProblem(p: TemplateProblem): string {
  return p.line > 0
    ? `${p.part}, line ${p.line}, column ${p.column}: ${p.message}`
    : `${p.part}: ${p.message}`;
}

function templateSchemaRefinement(template: MessageTemplate, ctx: z.RefinementCtx): void {
  const result = validateTemplate(template);
  if (!result.ok)
    for (const p of result.problems)
      ctx.addIssue({
        code: 'custom',
        path: [p.part],
        message: describeProblem(p),
        params: { line: p.line, column: p.column },
      });
}

/** Zod schemas for templates in campaign definitions: they parse the Liquid and report positions. */
export const emailTemplateSchema = z
  .object({ subject: z.string(), html: z.string(), text: z.string().optional() })
  .superRefine(templateSchemaRefinement);

async function renderPart(
  part: TemplatePart,
  source: string,
  variables: Record<string, unknown>,
  locale: RenderLocale,
): Promise<string> {
  let tpl: Template[];
  try {
    tpl = parse(part, source);
  } catch (error) {
    const p = problemOf(part, error);
    throw new TemplateRenderError(part, p.message, p.line, p.column);
  }
  const scope: Scope = { ...variables, [LOCALE]: locale };
  try {
    return String(await engineFor(part).render(tpl, scope));
  } catch (error) {
    const p = problemOf(part, error);
    throw new TemplateRenderError(part, p.message, p.line, p.column);
  }
}

/** Renders an email: subject (one line), HTML (escaped), text (its own template, or from the HTML). */
export async function renderEmailTemplate(
  template: EmailTemplate,
  variables: Record<string, unknown>,
  locale: RenderLocale,
): Promise<RenderedEmail> {
  const [subject, html] = await Promise.all([
    renderPart('subject', template.subject, variables, locale),
    renderPart('html', template.html, variables, locale),
  ]);
  const text =
    template.text !== undefined
      ? await renderPart('text', template.text, variables, locale)
      : htmlToText(html);
  return { subject: subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(), html, text: text.trim() };
}

/** Renders an SMS body (plain text, trimmed). */
export async function renderSmsTemplate(
  template: SmsTemplate,
  variables: Record<string, unknown>,
  locale: RenderLocale,
): Promise<{ body: string }> {
  const body = await renderPart('body', template.body, variables, locale);
  return { body: body.trim() };
}
