/**
 * Segment definitions are data: a group of conditions (all / any), nested at will, checked
 * against the field catalogue (./fields.ts) by a zod schema.
 *
 * ```json
 * {
 *   "match": "all",
 *   "conditions": [
 *     { "field": "newsletter_status", "op": "eq", "value": "subscribed" },
 *     { "field": "clv_12m", "op": "lt", "value": { "shopAverage": true } },
 *     { "match": "any", "conditions": [
 *       { "field": "purchases_count", "op": "eq", "value": 0, "within": "90 days" },
 *       { "field": "tags", "op": "contains", "value": "vip" }
 *     ] }
 *   ]
 * }
 * ```
 *
 * `match` defaults to "all". An empty "all" group matches every contact, an empty "any" group
 * none. A static segment, `{ "static": true }`, has no conditions: contacts are added to it
 * explicitly (e.g. by a campaign's "add to segment" step).
 *
 * Values by type: numbers for number fields (`{ "shopAverage": true, "factor": 0.5 }` for lt, lte,
 * gt and gte on value indicators: the shop's average over the contacts that have that indicator,
 * times the factor); lists for in / not_in; a value of the field's enum; true / false for
 * booleans; an ISO 8601 date or "N days ago" (minutes, hours, days, weeks) for before / after;
 * no value for exists / not_exists. `within` ("7 days", "8 hours") applies to activity fields only.
 */
import { z } from 'zod';
import { normaliseCountry, normaliseLocale, parseIsoTimestamp } from '../contacts.js';
import { formatPath, isJsonObject } from '../json.js';
import { DURATION_HINT, parseAgo, parseDuration } from './duration.js';
import {
  FIELD_NAMES,
  type FieldSpec,
  fieldSpec,
  OPERATORS,
  OPERATORS_BY_TYPE,
  type Operator,
} from './fields.js';

export type { Operator };

/** A threshold relative to the shop: its average of the field over contacts that have it, times `factor`. */
export interface ShopAverage {
  shopAverage: true;
  /** Default 1. */
  factor?: number;
}

export type ConditionValue = string | number | boolean | string[] | number[] | ShopAverage;

export interface SegmentCondition {
  field: string;
  op: Operator;
  value?: ConditionValue;
  /** Activity fields: the window, e.g. "7 days". Absent: all time. */
  within?: string;
}

export interface SegmentGroup {
  match: 'all' | 'any';
  conditions: SegmentNode[];
}

export type SegmentNode = SegmentCondition | SegmentGroup;

export interface StaticSegmentDefinition {
  static: true;
}

export type SegmentDefinition = SegmentGroup | StaticSegmentDefinition;

export function isGroup(node: SegmentNode): node is SegmentGroup {
  return 'conditions' in node;
}

export function isStaticDefinition(def: SegmentDefinition): def is StaticSegmentDefinition {
  return 'static' in def && def.static === true;
}

export interface SegmentDefinitionIssue {
  /** Where, e.g. `conditions[1].field`; `definition` for the whole. */
  path: string;
  message: string;
}

/** A definition that does not fit the schema or the catalogue; the message names each path. */
export class SegmentDefinitionError extends Error {
  constructor(readonly issues: SegmentDefinitionIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'SegmentDefinitionError';
  }
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isRecord = isJsonObject;
const fieldPath = (path: readonly PropertyKey[]): string => formatPath(path) || 'definition';

// ---------------------------------------------------------------------------------------------
// Values

type Check<T> = { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const bad = (message: string): Check<never> => ({ ok: false, message });

const apostrophes = (s: string): string => s.replace(/[\u2018\u2019\u02bc`´]/g, "'");

/** An enum value, matched ignoring case and the style of apostrophes. */
function enumValue(spec: FieldSpec, raw: unknown): Check<string> {
  const values = spec.values ?? [];
  if (typeof raw === 'string') {
    const wanted = apostrophes(raw.trim()).toLowerCase();
    const found = values.find((v) => v.toLowerCase() === wanted);
    if (found) return ok(found);
  }
  return bad(
    `${show(raw)} is not a value of ${spec.name}; use one of ${values.map((v) => show(v)).join(', ')}`,
  );
}

function textValue(spec: FieldSpec, raw: unknown): Check<string> {
  if (typeof raw !== 'string' || raw.trim() === '')
    return bad(`${spec.name} expects a non-empty string, got ${show(raw)}`);
  try {
    if (spec.name === 'country') return ok(normaliseCountry(raw));
    if (spec.name === 'locale') return ok(normaliseLocale(raw));
  } catch (error) {
    return bad((error as Error).message);
  }
  return ok(raw.trim());
}

function numberValue(spec: FieldSpec, raw: unknown): Check<number> {
  if (typeof raw === 'number' && Number.isFinite(raw)) return ok(raw);
  return bad(`${spec.name} expects a number, got ${show(raw)}`);
}

function shopAverageValue(
  spec: FieldSpec,
  op: Operator,
  raw: Record<string, unknown>,
): Check<ShopAverage> {
  const hint = `write {"shopAverage": true} or {"shopAverage": true, "factor": 0.5}`;
  if (spec.group !== 'indicator' || spec.type !== 'number') {
    return bad(
      `a threshold relative to the shop average applies to value indicators only, not to ${spec.name}`,
    );
  }
  if (!['lt', 'lte', 'gt', 'gte'].includes(op))
    return bad(`a shop-average threshold goes with lt, lte, gt or gte, not ${op}`);
  const extra = Object.keys(raw).filter((k) => k !== 'shopAverage' && k !== 'factor');
  if (extra.length > 0)
    return bad(`unknown key ${extra.map(show).join(', ')} in a shop-average threshold; ${hint}`);
  if (raw.shopAverage !== true) return bad(`"shopAverage" must be true; ${hint}`);
  if (raw.factor === undefined) return ok({ shopAverage: true });
  if (typeof raw.factor !== 'number' || !Number.isFinite(raw.factor) || raw.factor <= 0) {
    return bad(`"factor" must be a positive number, got ${show(raw.factor)}`);
  }
  return ok({ shopAverage: true, factor: raw.factor });
}

function dateValue(spec: FieldSpec, raw: unknown): Check<string> {
  if (typeof raw === 'string') {
    if (parseAgo(raw) !== null) return ok(raw.trim());
    if (parseIsoTimestamp(raw)) return ok(raw.trim());
  }
  return bad(
    `${spec.name} expects an ISO 8601 date ("2024-01-31") or a relative date ("30 days ago"), got ${show(raw)}`,
  );
}

function listOf<T>(raw: unknown, one: (v: unknown) => Check<T>, what: string): Check<T[]> {
  if (!Array.isArray(raw) || raw.length === 0)
    return bad(`expects a non-empty list of ${what}, got ${show(raw)}`);
  const out: T[] = [];
  for (const [i, v] of raw.entries()) {
    const c = one(v);
    if (!c.ok) return bad(`item ${i}: ${c.message}`);
    out.push(c.value);
  }
  return ok(out);
}

/** The value of a condition, checked against its field and operator and normalised. */
function checkValue(
  spec: FieldSpec,
  op: Operator,
  raw: unknown,
): Check<ConditionValue | undefined> {
  if (op === 'exists' || op === 'not_exists') {
    return raw === undefined || raw === null
      ? ok(undefined)
      : bad(`${op} takes no value (got ${show(raw)})`);
  }
  if (raw === undefined) return bad(`is required for ${spec.name} ${op}`);
  const list = op === 'in' || op === 'not_in';
  switch (spec.type) {
    case 'number':
    case 'activity':
      if (list) return listOf(raw, (v) => numberValue(spec, v), 'numbers');
      if (isRecord(raw)) return shopAverageValue(spec, op, raw);
      return numberValue(spec, raw);
    case 'enum':
      return list
        ? listOf(raw, (v) => enumValue(spec, v), `values of ${spec.name}`)
        : enumValue(spec, raw);
    case 'text':
      return list ? listOf(raw, (v) => textValue(spec, v), 'strings') : textValue(spec, raw);
    case 'tags': {
      const tag = (v: unknown): Check<string> =>
        typeof v === 'string' && v.trim() !== ''
          ? ok(v.trim())
          : bad(`a tag must be a non-empty string, got ${show(v)}`);
      return list ? listOf(raw, tag, 'tags') : tag(raw);
    }
    case 'date':
      return dateValue(spec, raw);
    case 'boolean':
      return typeof raw === 'boolean'
        ? ok(raw)
        : bad(`${spec.name} expects true or false, got ${show(raw)}`);
    case 'presence':
      return bad(`${spec.name} only takes exists / not_exists`);
  }
}

// ---------------------------------------------------------------------------------------------
// The schema

const requiredString = (what: string) =>
  z.string({
    error: (iss) => (iss.input === undefined ? 'is required' : `must be a string naming ${what}`),
  });

const conditionShape = z.strictObject(
  {
    field: requiredString('a field'),
    op: requiredString('an operator'),
    value: z.unknown().optional(),
    within: z.string({ error: `must be ${DURATION_HINT}` }).optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key ${iss.keys.map(show).join(', ')}; a condition has "field", "op", "value" and "within"`
        : undefined,
  },
);

const conditionSchema = conditionShape.transform((c, ctx): SegmentCondition => {
  const spec = fieldSpec(c.field);
  if (!spec) {
    ctx.addIssue({
      code: 'custom',
      path: ['field'],
      message: `unknown field ${show(c.field)}; known fields: ${FIELD_NAMES.join(', ')}`,
    });
    return z.NEVER;
  }
  if (!(OPERATORS as readonly string[]).includes(c.op)) {
    ctx.addIssue({
      code: 'custom',
      path: ['op'],
      message: `unknown operator ${show(c.op)}; known operators: ${OPERATORS.join(', ')}`,
    });
    return z.NEVER;
  }
  const op = c.op as Operator;
  const allowed = OPERATORS_BY_TYPE[spec.type];
  if (
    !allowed.includes(op) ||
    ((op === 'exists' || op === 'not_exists') && !spec.nullable && spec.type !== 'tags')
  ) {
    const usable = allowed.filter(
      (o) => spec.nullable || spec.type === 'tags' || (o !== 'exists' && o !== 'not_exists'),
    );
    ctx.addIssue({
      code: 'custom',
      path: ['op'],
      message: `operator ${show(op)} does not apply to ${spec.name} (${spec.type === 'activity' ? 'a number' : `a ${spec.type}`} field); use one of ${usable.join(', ')}`,
    });
    return z.NEVER;
  }
  const value = checkValue(spec, op, c.value);
  if (!value.ok) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: value.message });
    return z.NEVER;
  }
  const out: SegmentCondition = { field: spec.name, op };
  if (value.value !== undefined) out.value = value.value;
  if (c.within !== undefined) {
    if (spec.type !== 'activity') {
      ctx.addIssue({
        code: 'custom',
        path: ['within'],
        message: `only purchases_count and purchases_amount take "within", not ${spec.name}`,
      });
      return z.NEVER;
    }
    if (parseDuration(c.within) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['within'],
        message: `${show(c.within)} is not ${DURATION_HINT}`,
      });
      return z.NEVER;
    }
    out.within = c.within.trim();
  }
  return out;
});

/** A condition or a group, told apart by its "conditions" key. */
const nodeSchema: z.ZodType<SegmentNode> = z.lazy(() =>
  z.unknown().transform((raw, ctx): SegmentNode => {
    if (!isRecord(raw)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a condition {"field", "op", "value"} or a group {"match", "conditions"}, got ${show(raw)}`,
      });
      return z.NEVER;
    }
    const result = ('conditions' in raw ? groupSchema : conditionSchema).safeParse(raw);
    if (result.success) return result.data;
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }),
);

const groupSchema: z.ZodType<SegmentGroup> = z.strictObject(
  {
    match: z.enum(['all', 'any'], { error: 'must be "all" or "any"' }).default('all'),
    conditions: z.array(nodeSchema, { error: 'must be a list of conditions and groups' }),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key ${iss.keys.map(show).join(', ')}; a group has "match" and "conditions"`
        : undefined,
  },
);

const staticSchema = z.strictObject(
  { static: z.literal(true, { error: 'must be true' }) },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? 'a static segment definition is just {"static": true}'
        : undefined,
  },
);

/** The definition schema: a group of conditions, or `{ "static": true }`. */
export const segmentDefinitionSchema: z.ZodType<SegmentDefinition> = z
  .unknown()
  .transform((raw, ctx): SegmentDefinition => {
    if (!isRecord(raw) || !('conditions' in raw || 'static' in raw)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an object like {"match": "all", "conditions": [{"field": "newsletter_status", "op": "eq", "value": "subscribed"}]}, got ${show(raw)}`,
      });
      return z.NEVER;
    }
    const result = ('static' in raw ? staticSchema : groupSchema).safeParse(raw);
    if (result.success) return result.data as SegmentDefinition;
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  });

/** Groups within groups: far more than any segment needs, far less than the stack allows. */
export const MAX_GROUP_DEPTH = 20;

/** The path of the first group nested deeper than `limit`, found without recursion. */
function firstPathDeeperThan(raw: unknown, limit: number): PropertyKey[] | undefined {
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: raw, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (!isRecord(node) || !Array.isArray(node.conditions)) continue;
    const depth = path.filter((k) => k === 'conditions').length;
    if (depth >= limit) return path;
    node.conditions.forEach((child, i) =>
      stack.push({ node: child, path: [...path, 'conditions', i] }),
    );
  }
  return undefined;
}

/** Check and normalise a definition (parsed JSON). Throws SegmentDefinitionError naming each bad path. */
export function parseSegmentDefinition(raw: unknown): SegmentDefinition {
  const tooDeep = firstPathDeeperThan(raw, MAX_GROUP_DEPTH);
  if (tooDeep)
    throw new SegmentDefinitionError([
      {
        path: fieldPath(tooDeep),
        message: `groups are nested too deep (at most ${MAX_GROUP_DEPTH} levels)`,
      },
    ]);
  const result = segmentDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new SegmentDefinitionError(
    result.error.issues.map((i) => ({ path: fieldPath(i.path), message: i.message })),
  );
}

/** Parse JSON text, then the definition. */
export function parseSegmentDefinitionJson(text: string): SegmentDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SegmentDefinitionError([
      { path: 'definition', message: `not valid JSON: ${(error as Error).message}` },
    ]);
  }
  return parseSegmentDefinition(raw);
}

// ---------------------------------------------------------------------------------------------
// Reading a definition back

const SYMBOLS: Partial<Record<Operator, string>> = {
  eq: '=',
  neq: '≠',
  lt: '<',
  lte: '≤',
  gt: '>',
  gte: '≥',
};

function formatValue(value: ConditionValue | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value))
    return `[${value.map((v) => (typeof v === 'string' ? show(v) : String(v))).join(', ')}]`;
  if (typeof value === 'object') {
    return value.factor !== undefined && value.factor !== 1
      ? `${value.factor} × shop average`
      : 'shop average';
  }
  return typeof value === 'string' ? show(value) : String(value);
}

function formatCondition(c: SegmentCondition): string {
  const within = c.within ? ` within ${c.within}` : '';
  if (c.op === 'exists') return `${c.field} exists`;
  if (c.op === 'not_exists') return `${c.field} does not exist`;
  const op = SYMBOLS[c.op] ?? c.op.replace('_', ' ');
  return `${c.field}${within} ${op} ${formatValue(c.value)}`;
}

function formatNode(node: SegmentNode, nested: boolean): string {
  if (!isGroup(node)) return formatCondition(node);
  if (node.conditions.length === 0) return node.match === 'all' ? 'every contact' : 'no contact';
  const text = node.conditions
    .map((n) => formatNode(n, true))
    .join(node.match === 'all' ? ' AND ' : ' OR ');
  return nested && node.conditions.length > 1 ? `(${text})` : text;
}

/** One line a person can read: `newsletter_status = "subscribed" AND clv_12m < 100`. */
export function formatSegmentDefinition(def: SegmentDefinition): string {
  return isStaticDefinition(def) ? 'static: contacts added explicitly' : formatNode(def, false);
}
