/** `boomerang inbox retry` of an id no event has says so, rather than "not parked". */
import { describe, expect, it } from 'vitest';
import { acceptEvents } from '../../src/inbox/store.js';
import { runCli } from '../cli/support.js';
import { useOfflineInbox } from './harness.js';

describe('inbox retry of an unknown id', () => {
  const offline = useOfflineInbox();

  it('names the ids no event has apart from those that are not parked', async () => {
    const pending = await acceptEvents(offline.database.db, 'api', {
      type: 'account_registered',
      contact: { email: 'pending@example.com' },
    });
    if (!pending.ok) throw new Error('not accepted');
    const id = pending.events[0]!.id;
    const run = await runCli(offline.database.url, ['inbox', 'retry', String(id), '987654']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`not parked or rejected (left as they are): ${id}`);
    expect(run.stderr).toContain('no inbox event has id 987654');
    expect(run.stderr).not.toMatch(/not parked or rejected[^\n]*987654/);
  });
});
