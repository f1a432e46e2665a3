import { describe, expect, it } from 'vitest';
import {
  formatSegmentDefinition,
  parseSegmentDefinition,
  parseSegmentDefinitionJson,
  SegmentDefinitionError,
} from '../../../src/domain/segments/definition.js';
import { parseAgo, parseDuration } from '../../../src/domain/segments/duration.js';
import {
  FIELD_NAMES,
  FIELDS,
  OPERATORS,
  OPERATORS_BY_TYPE,
} from '../../../src/domain/segments/fields.js';
import { PRESET_SEGMENTS } from '../../../src/domain/segments/presets.js';

function errorOf(raw: unknown): SegmentDefinitionError {
  try {
    parseSegmentDefinition(raw);
  } catch (error) {
    if (error instanceof SegmentDefinitionError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

const subscribed = { field: 'newsletter_status', op: 'eq', value: 'subscribed' };

describe('segment definitions', () => {
  it('refuses groups nested 1,000 deep with a message naming the depth, not a stack overflow', () => {
    let node: unknown = subscribed;
    for (let i = 0; i < 1000; i++) node = { match: 'all', conditions: [node] };
    const error = errorOf(node);
    expect(error.message).toMatch(/nested too deep \(at most 20 levels\)/);
    expect(error.message).toMatch(/^conditions\[0\]\.conditions\[0\]/);
    let twenty: unknown = subscribed;
    for (let i = 0; i < 20; i++) twenty = { match: 'all', conditions: [twenty] };
    expect(() => parseSegmentDefinition(twenty)).not.toThrow();
  });

  it('accepts nested all/any groups and fills in the default match', () => {
    const conditions = [
      subscribed,
      {
        match: 'any',
        conditions: [
          { field: 'clv_12m', op: 'lt', value: { shopAverage: true, factor: 0.5 } },
          { field: 'purchases_count', op: 'gt', value: 0, within: '7 days' },
          {
            match: 'all',
            conditions: [
              { field: 'tags', op: 'contains', value: 'vip' },
              { field: 'phone', op: 'exists' },
            ],
          },
        ],
      },
    ];
    // A copy goes in, so the expectation cannot be the parser's own (mutated) input.
    const def = parseSegmentDefinition({ conditions: structuredClone(conditions) });
    expect(def).toEqual({ match: 'all', conditions });
    expect(formatSegmentDefinition(def)).toBe(
      'newsletter_status = "subscribed" AND (clv_12m < 0.5 × shop average OR purchases_count within 7 days > 0 OR (tags contains "vip" AND phone exists))',
    );
  });

  it('normalises values: enum case and apostrophes, country case, locale case', () => {
    const def = parseSegmentDefinition({
      match: 'all',
      conditions: [
        { field: 'rfm_segment', op: 'eq', value: 'can\u2019t lose them' },
        { field: 'newsletter_status', op: 'in', value: ['Subscribed', 'NEVER'] },
        { field: 'country', op: 'in', value: ['fr', 'es'] },
        { field: 'locale', op: 'eq', value: 'fr_fr' },
      ],
    });
    expect(def).toEqual({
      match: 'all',
      conditions: [
        { field: 'rfm_segment', op: 'eq', value: "Can't Lose Them" },
        { field: 'newsletter_status', op: 'in', value: ['subscribed', 'never'] },
        { field: 'country', op: 'in', value: ['FR', 'ES'] },
        { field: 'locale', op: 'eq', value: 'fr-FR' },
      ],
    });
  });

  it('accepts a static definition', () => {
    expect(parseSegmentDefinition({ static: true })).toEqual({ static: true });
    expect(formatSegmentDefinition({ static: true })).toMatch(/static/);
  });

  it('ships presets that pass its own schema', () => {
    for (const preset of PRESET_SEGMENTS)
      expect(parseSegmentDefinition(preset.definition)).toEqual(preset.definition);
  });

  it('every operator of the catalogue is known, and every field has a type with operators', () => {
    for (const f of FIELDS) expect(OPERATORS_BY_TYPE[f.type].length).toBeGreaterThan(0);
    for (const ops of Object.values(OPERATORS_BY_TYPE))
      for (const op of ops) expect(OPERATORS).toContain(op);
  });

  describe('rejects bad definitions, naming the path', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not an object', 42, /^definition: must be an object like/],
      ['no conditions key', { match: 'all' }, /^definition: must be an object/],
      [
        'unknown field',
        { conditions: [subscribed, { field: 'clv', op: 'lt', value: 1 }] },
        /^conditions\[1\]\.field: unknown field "clv"; known fields: newsletter_status, .*clv_12m/,
      ],
      [
        'unknown operator',
        { conditions: [{ field: 'clv_12m', op: 'less', value: 1 }] },
        /^conditions\[0\]\.op: unknown operator "less"; known operators: eq, neq/,
      ],
      [
        'operator not allowed for the type',
        { conditions: [{ field: 'clv_12m', op: 'contains', value: 1 }] },
        /^conditions\[0\]\.op: operator "contains" does not apply to clv_12m \(a number field\); use one of eq, neq, lt/,
      ],
      [
        'exists on a field that is never empty',
        { conditions: [{ field: 'newsletter_status', op: 'exists' }] },
        /^conditions\[0\]\.op: operator "exists" does not apply to newsletter_status/,
      ],
      [
        'string for a number',
        { conditions: [{ field: 'clv_12m', op: 'lt', value: '100' }] },
        /^conditions\[0\]\.value: clv_12m expects a number, got "100"/,
      ],
      [
        'missing value',
        { conditions: [{ field: 'clv_12m', op: 'lt' }] },
        /^conditions\[0\]\.value: is required for clv_12m lt/,
      ],
      [
        'value with exists',
        { conditions: [{ field: 'phone', op: 'exists', value: true }] },
        /^conditions\[0\]\.value: exists takes no value/,
      ],
      [
        'unknown enum value',
        { conditions: [{ field: 'rfm_segment', op: 'eq', value: 'Whales' }] },
        /^conditions\[0\]\.value: "Whales" is not a value of rfm_segment; use one of "Champions"/,
      ],
      [
        'bad list item',
        { conditions: [{ field: 'country', op: 'in', value: ['FR', 'XX'] }] },
        /^conditions\[0\]\.value: item 1: "XX" is not an ISO 3166-1/,
      ],
      [
        'empty list',
        { conditions: [{ field: 'country', op: 'in', value: [] }] },
        /^conditions\[0\]\.value: expects a non-empty list/,
      ],
      [
        'bad date',
        { conditions: [{ field: 'registered_at', op: 'before', value: 'last month' }] },
        /^conditions\[0\]\.value: registered_at expects an ISO 8601 date .* or a relative date/,
      ],
      [
        'boolean as string',
        { conditions: [{ field: 'sms_consent', op: 'eq', value: 'yes' }] },
        /^conditions\[0\]\.value: sms_consent expects true or false/,
      ],
      [
        'shop average on a profile-less field',
        { conditions: [{ field: 'purchases_count', op: 'lt', value: { shopAverage: true } }] },
        /^conditions\[0\]\.value: a threshold relative to the shop average applies to value indicators only/,
      ],
      [
        'shop average with eq',
        { conditions: [{ field: 'clv_12m', op: 'eq', value: { shopAverage: true } }] },
        /^conditions\[0\]\.value: a shop-average threshold goes with lt, lte, gt or gte/,
      ],
      [
        'bad factor',
        { conditions: [{ field: 'clv_12m', op: 'lt', value: { shopAverage: true, factor: -1 } }] },
        /^conditions\[0\]\.value: "factor" must be a positive number/,
      ],
      [
        'within on a profile field',
        { conditions: [{ field: 'country', op: 'eq', value: 'FR', within: '7 days' }] },
        /^conditions\[0\]\.within: only purchases_count and purchases_amount take "within"/,
      ],
      [
        'bad within',
        { conditions: [{ field: 'purchases_count', op: 'gt', value: 0, within: '7 dayz' }] },
        /^conditions\[0\]\.within: "7 dayz" is not a duration/,
      ],
      [
        'unknown key in a condition',
        { conditions: [{ field: 'clv_12m', op: 'lt', value: 1, vaule: 2 }] },
        /^conditions\[0\]: unknown key "vaule"; a condition has "field", "op", "value" and "within"/,
      ],
      [
        'missing field',
        { conditions: [{ op: 'lt', value: 1 }] },
        /^conditions\[0\]\.field: is required/,
      ],
      ['bad match', { match: 'some', conditions: [] }, /^match: must be "all" or "any"/],
      [
        'a condition that is not an object',
        { conditions: ['clv_12m < 100'] },
        /^conditions\[0\]: must be a condition/,
      ],
      [
        'deeply nested',
        {
          conditions: [
            subscribed,
            {
              match: 'any',
              conditions: [
                subscribed,
                { match: 'all', conditions: [{ field: 'tags', op: 'eq', value: 'vip' }] },
              ],
            },
          ],
        },
        /^conditions\[1\]\.conditions\[1\]\.conditions\[0\]\.op: operator "eq" does not apply to tags/,
      ],
      [
        'static with extra keys',
        { static: true, conditions: [] },
        /a static segment definition is just \{"static": true\}/,
      ],
    ];
    it.each(cases)('%s', (_name, raw, message) => {
      const error = errorOf(raw);
      expect(error.message).toMatch(message);
    });

    it('reports every bad condition, one per line', () => {
      const error = errorOf({
        conditions: [
          { field: 'nope', op: 'eq', value: 1 },
          subscribed,
          { field: 'clv_12m', op: 'lt', value: 'x' },
        ],
      });
      expect(error.issues.map((i) => i.path)).toEqual([
        'conditions[0].field',
        'conditions[2].value',
      ]);
      expect(error.message.split('\n')).toHaveLength(2);
    });

    it('names every known field in the unknown-field message', () => {
      const error = errorOf({ conditions: [{ field: 'clv', op: 'lt', value: 1 }] });
      for (const name of FIELD_NAMES) expect(error.message).toContain(name);
    });

    it('reports invalid JSON text', () => {
      expect(() => parseSegmentDefinitionJson('{"conditions": [')).toThrow(
        /^definition: not valid JSON/,
      );
    });
  });

  it('parses durations and relative dates', () => {
    expect(parseDuration('7 days')).toBe(7 * 86_400_000);
    expect(parseDuration('8h')).toBe(8 * 3_600_000);
    expect(parseDuration('1 week')).toBe(7 * 86_400_000);
    expect(parseDuration('0 days')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
    expect(parseAgo('30 days ago')).toBe(30 * 86_400_000);
    expect(parseAgo('30 days')).toBeNull();
  });
});
