/**
 * Text that Postgres (and the people reading it later) cannot take: NUL (refused by `jsonb` and
 * `text`), lone UTF-16 surrogates (refused by `jsonb`: "invalid input syntax for type json"), and
 * the other control characters. The HTTP API refuses them with the path of the field at fault;
 * Shopify's webhooks are cleaned instead, because Shopify drops a subscription that keeps failing.
 */

/** A problem with one field, by its path in the JSON body (`events[2].contact.first_name`). */
export interface TextProblem {
  path: string;
  message: string;
}

export { formatPath } from '../domain/json.js';

import { formatPath } from '../domain/json.js';

/** Nested deeper than this, a body is refused (no event has more than three levels). */
export const MAX_JSON_DEPTH = 32;

// Tab, line feed and carriage return are ordinary text; every other C0 or C1 control is not.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const CONTROL_GLOBAL = new RegExp(CONTROL.source, 'g');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_GLOBAL = new RegExp(LONE_SURROGATE.source, 'g');

/** What is wrong with a string, or undefined when nothing is. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(value))
    return 'must be valid Unicode text (it contains a lone surrogate such as \\ud800)';
  const control = CONTROL.exec(value);
  if (control)
    return `must not contain control characters (found \\u${control[0].charCodeAt(0).toString(16).padStart(4, '0')})`;
  return undefined;
}

/**
 * Every string (keys included) of a parsed JSON value that `textProblem` refuses, by its path,
 * and any `__proto__` key; a value nested deeper than MAX_JSON_DEPTH is one problem. Iterative,
 * so no input can exhaust the stack.
 */
export function findTextProblems(
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): TextProblem[] {
  const problems: TextProblem[] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [...prefix] }];
  const at = (path: PropertyKey[]) => formatPath(path) || '(body)';
  while (stack.length && problems.length < 50) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) problems.push({ path: at(path), message: problem });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length - prefix.length >= MAX_JSON_DEPTH) {
      problems.push({ path: at(path), message: `is nested too deep (at most ${MAX_JSON_DEPTH})` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(v).reverse()) {
      const keyPath = [...path, printableKey(key)];
      const keyProblem = key === '__proto__' ? 'is not a known field' : textProblem(key);
      if (keyProblem) {
        problems.push({ path: at(keyPath), message: keyProblem });
        continue;
      }
      stack.push({ value: (v as Record<string, unknown>)[key], path: keyPath });
    }
  }
  return problems;
}

/** A key as it can be shown in a path: its bad characters escaped. */
function printableKey(key: string): string {
  return textProblem(key) ? JSON.stringify(key).slice(1, -1) : key;
}

/** The string without control characters, lone surrogates replaced by U+FFFD. */
export function cleanText(value: string): string {
  return value.replace(CONTROL_GLOBAL, '').replace(LONE_SURROGATE_GLOBAL, '\uFFFD');
}

/**
 * A copy of a parsed JSON value with every string cleaned (`cleanText`), `__proto__` keys
 * dropped and anything nested deeper than MAX_JSON_DEPTH replaced by null.
 */
export function cleanJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_JSON_DEPTH) return null;
  if (Array.isArray(value)) return value.map((v) => cleanJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') continue;
    out[cleanText(key)] = cleanJson(v, depth + 1);
  }
  return out;
}
