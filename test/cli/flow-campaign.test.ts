/**
 * `boomerang campaign validate | create | graph` with a flow, in-process on real Postgres: problems
 * name the node and field (exit 2, nothing saved), a good flow is created and says how it starts,
 * and its graph prints as text and as Mermaid.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ensureCouponSet } from '../../src/db/coupons.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertJourneyRow } from '../support/campaigns.js';
import { insertContact } from '../support/orders.js';
import { runCli } from './support.js';

const flow = {
  id: 'winback',
  name: 'Win-back',
  kind: 'flow',
  nodes: {
    start: { type: 'entry', trigger: 'launch', next: 'coupon' },
    coupon: { type: 'coupon', couponSet: 'winback', next: 'send-offer' },
    'send-offer': {
      type: 'send',
      channel: 'email',
      template: 'low-clv-offer',
      coupon: 'coupon',
      next: 'wait-7d',
    },
    'wait-7d': { type: 'wait', duration: '7 days', next: 'done' },
    done: { type: 'exit', reason: 'completed' },
  },
};

describe('flows on the command line', () => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'boomerang-flow-cli-'));
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, definition: unknown) => {
    const at = path.join(dir, name);
    await writeFile(at, toYaml(definition));
    return at;
  };

  it('validates a flow: each problem at its node and field, exit 2; OK once it is right', async () => {
    const bad = await file('bad.yaml', {
      ...flow,
      nodes: {
        ...flow.nodes,
        'wait-7d': { type: 'wait', duration: 'a week', next: 'done' },
        'send-offer': { ...flow.nodes['send-offer'], template: 'no-such-template' },
      },
    });
    const invalid = await runCli(database.url, ['campaign', 'validate', bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.stdout).toContain(`${bad}: 1 problem:`);
    expect(invalid.stdout).toContain(
      'nodes.wait-7d.duration: must be a duration such as "7 days" or "8 hours"',
    );

    const good = await file('good.yaml', flow);
    const unknownRefs = await runCli(database.url, ['campaign', 'validate', good]);
    expect(unknownRefs.code).toBe(2);
    expect(unknownRefs.stdout).toContain('nodes.coupon.couponSet: no coupon set "winback"');

    const refused = await runCli(database.url, ['campaign', 'create', '--file', good]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('nodes.coupon.couponSet: no coupon set "winback"');
    expect(await database.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);

    await ensureCouponSet(database.db, { id: 'winback' });
    const ok = await runCli(database.url, ['campaign', 'validate', good]);
    expect(ok).toMatchObject({ code: 0, stdout: `OK: ${good} (flow "winback")\n` });

    const created = await runCli(database.url, ['campaign', 'create', '--file', good]);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe(
      'created campaign "winback" (flow): Win-back\nlaunch it with: boomerang campaign launch winback\n',
    );
  });

  it('updates a flow node by node: a new wait length adopted, a removed node refused naming it', async () => {
    const longer = await file('longer.yaml', {
      ...flow,
      nodes: { ...flow.nodes, 'wait-7d': { type: 'wait', duration: '10 days', next: 'done' } },
    });
    const adopted = await runCli(database.url, [
      'campaign',
      'update',
      'winback',
      '--file',
      longer,
      '--running',
      'adopt',
    ]);
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toContain(
      'campaign "winback" is now version 2 (was 1); changed: nodes.wait-7d',
    );

    // A journey running version 2 (as its activities record it): it may be at wait-7d.
    const contactId = await insertContact(database.db, 'runner@example.com');
    await insertJourneyRow(database.db, 'winback', contactId, { definition_version: 2 });
    const { 'wait-7d': _removed, ...rest } = flow.nodes;
    const shorter = await file('shorter.yaml', {
      ...flow,
      nodes: { ...rest, 'send-offer': { ...flow.nodes['send-offer'], next: 'done' } },
    });
    const refused = await runCli(database.url, [
      'campaign',
      'update',
      'winback',
      '--file',
      shorter,
      '--running',
      'adopt',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'nodes.wait-7d: node "wait-7d" is removed, and a journey at it could not go on',
    );
    await database.db.deleteFrom('journeys').execute();
  });

  it("shows a stored flow's nodes as a journey meets them, not in Postgres' key order", async () => {
    const shown = await runCli(database.url, ['campaign', 'show', 'winback']);
    expect(shown.code).toBe(0);
    const { nodes } = JSON.parse(shown.stdout) as { nodes: Record<string, unknown> };
    expect(Object.keys(nodes)).toEqual(['start', 'coupon', 'send-offer', 'wait-7d', 'done']);
  });

  it('draws a stored flow as text and as Mermaid, and refuses a coded kind', async () => {
    const text = await runCli(database.url, ['campaign', 'graph', 'winback']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n').slice(0, 4)).toEqual([
      'winback: Win-back',
      '  start [entry] on launch (with_email)',
      '    next → coupon',
      '  coupon [coupon] assign coupon from "winback"',
    ]);
    const mermaid = await runCli(database.url, ['campaign', 'graph', 'winback', '--mermaid']);
    expect(mermaid.stdout).toMatch(/^flowchart TD\n/);
    expect(mermaid.stdout).toContain(
      '  n2["send-offer: send email #quot;low-clv-offer#quot; with coupon of coupon"]\n',
    );
    expect(mermaid.stdout).toContain('  n1 --> n2\n');

    await saveCampaign(database.db, {
      id: 'coded',
      name: 'Coded',
      kind: 'low_clv_coupon',
      couponSet: 'winback',
    });
    const coded = await runCli(database.url, ['campaign', 'graph', 'coded']);
    expect(coded.code).toBe(2);
    expect(coded.stderr).toContain('campaign "coded" is a low_clv_coupon campaign');
  });
});
