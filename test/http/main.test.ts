/**
 * The HTTP endpoint as a process (src/http/main.ts): it listens and stores events while Temporal
 * is down, and its inbox processor applies them once Temporal answers.
 */
import net from 'node:net';
import os from 'node:os';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { BOOMERANG_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes.js';
import { useTestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import { quietRuntime, uniqueTaskQueue } from '../support/temporal.js';
import { API_KEY, closedPort } from './support.js';

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** This machine's addresses other than 127.0.0.1: IPv6 loopback and every network interface. */
function otherAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.address !== '127.0.0.1' && !a.address.startsWith('fe80'))
    .map((a) => a.address);
}

describe('the HTTP endpoint process', () => {
  const database = useTestDatabase();
  let http: RunningProcess | undefined;
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    await saveCampaign(database.db, {
      id: 'welcome',
      name: 'Welcome voucher',
      kind: 'welcome_voucher',
      couponSet: 'welcome',
    });
  });
  afterAll(async () => {
    http?.child.kill('SIGKILL');
    await env?.teardown();
  });

  it('accepts events while Temporal is down and applies them once it is up', async () => {
    const [temporalPort, httpPort] = [await closedPort(), await closedPort()];
    const taskQueue = uniqueTaskQueue('http-main');
    http = startTs('src/http/main.ts', {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PORT: String(httpPort),
      BOOMERANG_API_KEY: API_KEY,
      BOOMERANG_SIGNING_SECRET: 'test-secret',
    });
    // Bound to this machine only by default, and the banner says so.
    await http.waitForOutput(new RegExp(`listening on http://127\\.0\\.0\\.1:${httpPort}`));
    expect(await canConnect('127.0.0.1', httpPort)).toBe(true);
    const others = otherAddresses();
    expect(others.length).toBeGreaterThan(0);
    for (const address of others)
      expect(await canConnect(address, httpPort), `reachable on ${address}`).toBe(false);
    await http.waitForOutput(
      /cannot reach Temporal.*events are stored and applied once it answers/,
    );

    const res = await fetch(`http://127.0.0.1:${httpPort}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'account_registered',
        event_id: 'reg-kim',
        contact: { email: 'kim@example.com', newsletter: 'subscribed' },
      }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: number };
    const pending = () =>
      database.db
        .selectFrom('inbox_events')
        .select(['processed_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    expect((await pending()).processed_at).toBeNull();
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(503);

    quietRuntime();
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: inject('temporalCliPath') },
        ip: '127.0.0.1',
        port: temporalPort,
        searchAttributes: [...BOOMERANG_SEARCH_ATTRIBUTES],
      },
    });
    await until(
      async () => (await pending()).processed_at,
      'the registration applied after Temporal came up',
      30_000,
    );
    const contact = await database.db
      .selectFrom('contacts')
      .select('id')
      .where('email', '=', 'kim@example.com')
      .executeTakeFirstOrThrow();
    // The journey is queued as the event is applied, and started by the start queue's starter,
    // which may come a moment after the event counts as processed.
    const journey = env.client.workflow.getHandle(`welcome/${contact.id}`);
    const description = await until(
      () =>
        journey.describe().catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        }),
      'the journey started by the start queue',
      30_000,
    );
    expect(description.taskQueue).toBe(taskQueue);
    // The process logs once its transaction is done; a loaded machine may show it a moment later.
    const applied =
      /inbox: inbox event \d+ \(api account_registered\) applied: contact \d+ inserted; 1 journey queued to start/;
    await until(async () => applied.test(http!.output()), 'the applied event logged', 10_000);
    expect(http.output()).toMatch(applied);

    http.child.kill('SIGTERM');
    expect(await http.exited()).toBe(0);
  }, 90_000);
});
