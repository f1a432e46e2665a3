/** `boomerang contact suppressions [--all] [--json]` and `contact unsuppress EMAIL --reason TEXT`. */
import { describe, expect, it } from 'vitest';
import { applyFeedback } from '../../src/inbox/provider-feedback.js';
import { useTestDatabase } from '../support/db.js';
import { runCli } from './support.js';

describe('boomerang contact suppressions | unsuppress', () => {
  const database = useTestDatabase();
  const bounce = (address: string, key: string) =>
    applyFeedback(
      { db: database.db },
      {
        provider: 'resend',
        event_key: key,
        channel: 'email',
        kind: 'bounced',
        address,
        provider_message_id: 'em_unknown',
        occurred_at: '2026-12-01T10:00:00.000Z',
        detail: { bounceType: 'Permanent' },
      },
    );

  it('lists the suppressed addresses, lifts one with its reason, and refuses what it cannot do', async () => {
    expect((await runCli(database.url, ['contact', 'suppressions'])).stdout).toMatch(
      /no address is suppressed/,
    );
    await bounce('gone@example.com', 'resend:msg_1');
    await bounce('Other@Example.com', 'resend:msg_2');

    const table = await runCli(database.url, ['contact', 'suppressions']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/gone@example\.com\s+email\s+hard_bounce\s+resend/);
    const json = await runCli(database.url, ['contact', 'suppressions', '--json']);
    expect((JSON.parse(json.stdout) as { address: string }[]).map((s) => s.address).sort()).toEqual(
      ['gone@example.com', 'other@example.com'],
    );

    const noReason = await runCli(database.url, ['contact', 'unsuppress', 'gone@example.com']);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/--reason/);

    const lifted = await runCli(database.url, [
      'contact',
      'unsuppress',
      'GONE@example.com',
      '--reason',
      'new mailbox, confirmed by phone',
    ]);
    expect(lifted.code).toBe(0);
    expect(lifted.stdout).toMatch(
      /gone@example\.com unsuppressed \(it was suppressed for hard_bounce/,
    );
    expect((await runCli(database.url, ['contact', 'suppressions'])).stdout).not.toMatch(/gone@/);
    const all = await runCli(database.url, ['contact', 'suppressions', '--all']);
    expect(all.stdout).toMatch(/gone@example\.com.*new mailbox, confirmed by phone/);

    const again = await runCli(database.url, [
      'contact',
      'unsuppress',
      'gone@example.com',
      '--reason',
      'twice',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/gone@example\.com is not suppressed/);
  });
});
