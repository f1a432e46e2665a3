/**
 * Compiles a segment definition to one SQL condition over the contact (`c`, the contacts table)
 * and its value indicators (`ci`, contact_indicators, LEFT JOINed), built from kysely expressions:
 * every value is a query parameter, and column names come from the field catalogue only.
 *
 * - Value indicators read `ci.*`; a contact without indicators has NULLs there, so every indicator
 *   condition but not_exists is false for it (SQL comparisons with NULL are not true).
 * - `{ shopAverage: true, factor }` compares with `(SELECT avg(col) FROM contact_indicators) * factor`,
 *   an uncorrelated subquery Postgres computes once per query.
 * - Activity fields are correlated subqueries over the contact's paid orders in
 *   [now − within, now], served by the orders (contact_id, placed_at) index.
 *
 * Relative dates ("30 days ago") and activity windows are resolved against `now`, which callers
 * pass in so that a refresh evaluates every contact at the same instant.
 */
import {
  type Expression,
  expressionBuilder,
  type ExpressionBuilder,
  sql,
  type SqlBool,
} from 'kysely';
import type { ContactIndicatorsTable, ContactsTable, Database } from './schema.js';
import { parseIsoTimestamp } from '../domain/contacts.js';
import { parseAgo, parseDuration } from '../domain/segments/duration.js';
import { fieldSpec, type FieldSpec } from '../domain/segments/fields.js';
import {
  isGroup,
  type SegmentCondition,
  type SegmentGroup,
  type SegmentNode,
  type ShopAverage,
} from '../domain/segments/definition.js';

/** The tables a segment condition sees: the database plus the aliases of the segment query. */
export type SegmentScope = Database & { c: ContactsTable; ci: ContactIndicatorsTable };
type EB = ExpressionBuilder<SegmentScope, 'c' | 'ci'>;

export interface CompileOptions {
  /** The instant relative dates and activity windows are measured from. */
  now: Date;
}

const COMPARISONS = {
  eq: '=',
  neq: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  before: '<',
  after: '>',
} as const;

function resolveDate(text: string, now: Date): Date {
  const ago = parseAgo(text);
  if (ago !== null) return new Date(now.getTime() - ago);
  const date = parseIsoTimestamp(text);
  if (!date) throw new Error(`unreachable: unchecked date ${JSON.stringify(text)}`);
  return date;
}

function isShopAverage(value: unknown): value is ShopAverage {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as ShopAverage).shopAverage === true
  );
}

/** The shop's average of an indicator column over the contacts that have it, times a factor. */
function shopAverage(spec: FieldSpec, value: ShopAverage): Expression<number> {
  const column = spec.column!.replace(/^ci\./, '');
  return sql<number>`((SELECT avg(${sql.ref(`shop_avg.${column}`)}) FROM contact_indicators AS shop_avg) * ${value.factor ?? 1})`;
}

/** count(*) or sum(total) of the contact's paid orders in the window. */
function activity(eb: EB, spec: FieldSpec, within: string | undefined, now: Date) {
  let query = eb
    .selectFrom('orders as o')
    .whereRef('o.contact_id', '=', 'c.id')
    .where('o.status', '=', 'paid')
    .where('o.placed_at', '<=', now);
  if (within)
    query = query.where('o.placed_at', '>=', new Date(now.getTime() - parseDuration(within)!));
  return spec.name === 'purchases_count'
    ? query.select((o) => o.fn.countAll<number>().as('n'))
    : query.select((o) => o.fn.coalesce(o.fn.sum<number>('o.total'), sql<number>`0`).as('n'));
}

function condition(eb: EB, c: SegmentCondition, opts: CompileOptions): Expression<SqlBool> {
  const spec = fieldSpec(c.field);
  if (!spec) throw new Error(`unreachable: unchecked field ${JSON.stringify(c.field)}`);
  const lhs: Expression<unknown> =
    spec.type === 'activity' ? activity(eb, spec, c.within, opts.now) : sql.ref(spec.column!);
  const value = c.value;
  switch (c.op) {
    case 'exists':
      return spec.type === 'tags' ? sql<SqlBool>`cardinality(${lhs}) > 0` : eb(lhs, 'is not', null);
    case 'not_exists':
      return spec.type === 'tags' ? sql<SqlBool>`cardinality(${lhs}) = 0` : eb(lhs, 'is', null);
    case 'contains':
      return eb(lhs, '@>', sql<string[]>`ARRAY[${value as string}]::text[]`);
    case 'in':
      return spec.type === 'tags'
        ? eb(lhs, '&&', sql<string[]>`${value as string[]}::text[]`)
        : eb(lhs, 'in', value as (string | number)[]);
    case 'not_in':
      return spec.type === 'tags'
        ? eb.not(eb(lhs, '&&', sql<string[]>`${value as string[]}::text[]`))
        : eb(lhs, 'not in', value as (string | number)[]);
    case 'before':
    case 'after':
      return eb(lhs, COMPARISONS[c.op], resolveDate(value as string, opts.now));
    default: {
      const rhs = isShopAverage(value)
        ? shopAverage(spec, value)
        : (value as string | number | boolean);
      return eb(lhs, COMPARISONS[c.op], rhs);
    }
  }
}

function node(eb: EB, n: SegmentNode, opts: CompileOptions): Expression<SqlBool> {
  if (!isGroup(n)) return condition(eb, n, opts);
  const parts = n.conditions.map((child) => node(eb, child, opts));
  return n.match === 'all' ? eb.and(parts) : eb.or(parts);
}

/**
 * The SQL condition a contact of the segment query (`contacts AS c LEFT JOIN contact_indicators
 * AS ci`) satisfies to be a member. Use it with `segmentBaseQuery`.
 */
export function compileSegmentCondition(
  definition: SegmentGroup,
  opts: CompileOptions,
): Expression<SqlBool> {
  return node(expressionBuilder<SegmentScope, 'c' | 'ci'>(), definition, opts);
}
