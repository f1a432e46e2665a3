/**
 * The bounds of what the store may send, as properties: email lengths (RFC 5321), the times of
 * events (from 1970 to the receipt plus the clock tolerance), and the number of tags.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_EMAIL_LENGTH,
  MAX_EMAIL_LOCAL_PART,
  MAX_TAGS,
  validateContactInput,
} from '../../src/domain/contacts.js';
import { validateEvent } from '../../src/inbox/events.js';

const problemsOf = (raw: unknown) => {
  const result = validateContactInput(raw);
  return result.ok ? [] : result.issues;
};

describe('contact and event bounds', () => {
  it('accepts an email exactly when its local part has at most 64 and the address at most 254 characters', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 1, max: 63 }), { minLength: 1, maxLength: 5 }),
        (localLength, labelLengths) => {
          const local = 'a'.repeat(localLength);
          const domain = [...labelLengths.map((n) => 'd'.repeat(n)), 'com'].join('.');
          const email = `${local}@${domain}`;
          const problems = problemsOf({ email });
          const fits = localLength <= MAX_EMAIL_LOCAL_PART && email.length <= MAX_EMAIL_LENGTH;
          expect(problems.length === 0).toBe(fits);
          if (!fits) expect(problems.map((p) => p.field)).toEqual(['email']);
        },
      ),
    );
  });

  it('accepts an event time exactly when it is from 1970 on and at most the tolerance after its receipt', () => {
    const receivedAt = new Date('2026-12-06T12:00:00Z');
    const clock = { receivedAt, toleranceSeconds: 300 };
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('registered_at', 'occurred_at'),
        (at, field) => {
          const result = validateEvent(
            {
              type: 'account_registered',
              contact: { email: 'a@example.com' },
              [field]: at.toISOString(),
            },
            [],
            clock,
          );
          const fits =
            at.getTime() >= Date.UTC(1970, 0, 1) && at.getTime() <= receivedAt.getTime() + 300_000;
          expect(result.ok).toBe(fits);
          if (!result.ok) expect(result.problems.map((p) => p.path)).toEqual([field]);
        },
      ),
    );
    // The bounds themselves.
    const at = (iso: string) =>
      validateEvent(
        { type: 'account_registered', contact: { email: 'a@example.com' }, registered_at: iso },
        [],
        clock,
      ).ok;
    expect(at('1970-01-01T00:00:00Z')).toBe(true);
    expect(at('1969-12-31T23:59:59Z')).toBe(false);
    expect(at('2026-12-06T12:05:00Z')).toBe(true);
    expect(at('2026-12-06T12:05:01Z')).toBe(false);
    expect(at('0000-01-01')).toBe(false);
  });

  it('accepts at most 100 distinct tags', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.boolean(), (count, asString) => {
        const tags = Array.from({ length: count }, (_, i) => `tag-${i}`);
        const problems = problemsOf({
          email: 'a@example.com',
          tags: asString ? tags.join(';') : tags,
        });
        expect(problems.length === 0).toBe(count <= MAX_TAGS);
        if (count > MAX_TAGS) expect(problems.map((p) => p.field)).toEqual(['tags']);
      }),
    );
  });
});
