/**
 * On the production Temporal server (Postgres persistence and SQL visibility):
 * - two worker processes share the task queues; one is killed with SIGKILL in the middle of a
 *   campaign, right after an email went out and before Temporal heard of it. Every journey still
 *   reaches its 7-day wait, with exactly one email and one coupon per contact;
 * - the worker and HTTP endpoint run with the commands and environment of docker-compose.yml
 *   (only the addresses of the services are this test's) and a campaign reaches its first email;
 * - the Web UI server, configured as `npm start -- --temporal server` and docker-compose.yml do,
 *   lists a workflow and sends payloads to the endpoint's codec with the operator's credentials.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import { controlTaskQueue } from '../../src/campaigns/journey-contract.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import { startUiServer, UI_SERVER_VERSION } from '../../src/provision/temporal-server.js';
import { which } from '../../src/provision/tools.js';
import { freePort } from '../support/ports.js';
import { composeServices, TEST_COMPOSE_SECRETS } from '../support/compose.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import {
  SERVER_BUILD_TIMEOUT_MS,
  startTestTemporalServer,
  type TestTemporalServer,
  testUiServer,
} from '../support/temporal-server.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { seedReengageContacts } from '../support/customers.js';

const CONTACTS = 24;
const CODEC_ENDPOINT = 'http://localhost:3000/codec';

/** What the Web UI tells the browser about the codec endpoint (GET /api/v1/settings). */
async function codecSettings(
  uiUrl: string,
): Promise<{ Endpoint: string; IncludeCredentials: boolean }> {
  const res = await fetch(`${uiUrl}/api/v1/settings`);
  expect(res.ok).toBe(true);
  return ((await res.json()) as { Codec: { Endpoint: string; IncludeCredentials: boolean } }).Codec;
}

/** Whether the Web UI lists the workflow: the operator finds a journey by its id. */
async function uiListsWorkflow(uiUrl: string, workflowId: string): Promise<boolean> {
  const query = encodeURIComponent(`WorkflowId = "${workflowId}"`);
  const res = await fetch(`${uiUrl}/api/v1/namespaces/default/workflows?query=${query}`);
  if (!res.ok) return false;
  const body = (await res.json()) as { executions?: { execution?: { workflowId?: string } }[] };
  return (body.executions ?? []).some((e) => e.execution?.workflowId === workflowId);
}

interface ComposeProcess {
  child: ChildProcess;
  output(): string;
  exited(): Promise<void>;
}

/** Contacts all in "Customers to reengage", a coupon pool and the low-CLV campaign `id`. */
async function seedCampaign(db: Db, id: string, count: number): Promise<{ id: number }[]> {
  const contacts = await seedReengageContacts(db, id, count);
  await generateCoupons(db, id, count + 10, { prefix: `${id.toUpperCase()}-` });
  await saveCampaign(db, { id, name: `Campaign ${id}`, kind: 'low_clv_coupon', couponSet: id });
  return contacts;
}

describe('the production Temporal server with two workers', () => {
  let server: TestTemporalServer;
  let database: TestDatabase;
  let client: Client;
  let uiServer: string;
  const workers: RunningProcess[] = [];
  const composeProcesses: ComposeProcess[] = [];

  beforeAll(async () => {
    [server, database] = await Promise.all([startTestTemporalServer(), createTestDatabase()]);
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    // Built here if missing, after the server's build: the Web UI test's own timeout is for its run.
    uiServer = await testUiServer();
  }, SERVER_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const w of [...workers, ...composeProcesses]) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited()));
    await client?.connection.close();
    await server?.stop();
    await database?.drop();
  }, 60_000);

  it('loses nothing and sends nothing twice when one of two workers is killed mid-campaign', async () => {
    const db = database.db;
    const contacts = await seedCampaign(db, 'prod', CONTACTS);

    const taskQueue = uniqueTaskQueue('prod');
    const startWorker = async (holdAfter: string) => {
      const worker = startTs('test/support/crash-worker.ts', {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: database.url,
        BOOMERANG_SIGNING_SECRET: 's3cret',
        EMAIL_REQUESTS_PER_SECOND: '1000',
        SMS_REQUESTS_PER_SECOND: '1000',
        HOLD_AFTER: holdAfter,
        HOLD_MS: '10000',
      });
      workers.push(worker);
      await worker.waitForOutput(/polling task queue/, 180_000);
      return worker;
    };
    // The victim pauses after each send's side effect: the worst moment to die.
    const [victim, survivor] = await Promise.all([startWorker('sendEmail'), startWorker('')]);

    await client.workflow.start(launchCampaign, {
      taskQueue: controlTaskQueue(taskQueue),
      workflowId: 'launch/prod',
      args: [{ campaignId: 'prod' }],
    });
    await victim.waitForOutput(/holding after sendEmail/, 120_000);
    victim.child.kill('SIGKILL');
    await victim.exited();

    const waiting = () =>
      db
        .selectFrom('journey_events')
        .select('workflow_id')
        .where('campaign_id', '=', 'prod')
        .where('step', '=', 'wait')
        .execute();
    await until(
      async () => (await waiting()).length === CONTACTS,
      'every journey to reach its 7-day wait',
      240_000,
    );

    const messages = await db
      .selectFrom('messages')
      .select(['contact_id', 'status'])
      .where('campaign_id', '=', 'prod')
      .execute();
    expect(messages.map((m) => m.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());
    expect(messages.every((m) => m.status === 'sent')).toBe(true);
    const coupons = await db
      .selectFrom('coupons')
      .select('contact_id')
      .where('set_id', '=', 'prod')
      .where('assignment_key', 'is not', null)
      .execute();
    expect(coupons.map((c) => c.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());

    // Not stuck: Temporal's own view (SQL visibility) has every journey running, asleep in its wait.
    await until(
      async () =>
        (
          await client.workflow.count(
            `BoomerangCampaign = 'prod' AND BoomerangStep = 'wait' AND ExecutionStatus = 'Running'`,
          )
        ).count === CONTACTS,
      'visibility to show every journey waiting',
      30_000,
    );
    const launch = await client.workflow.getHandle('launch/prod').describe();
    expect(launch.status.name).toBe('COMPLETED');
    expect(survivor.child.exitCode).toBeNull();
  }, 600_000);

  it('runs the worker and HTTP endpoint as docker-compose.yml does, to a first email', async () => {
    const composeDb = await createTestDatabase();
    try {
      const services = composeServices(TEST_COMPOSE_SECRETS);
      const httpPort = String(await freePort());
      // The compose services' addresses become this test's; everything else is the file's.
      const addresses = {
        TEMPORAL_ADDRESS: server.address,
        DATABASE_URL: composeDb.url,
        BOOMERANG_PUBLIC_URL: `http://localhost:${httpPort}`,
      };
      const run = (name: 'boomerang-worker' | 'boomerang-http') => {
        const service = services[name]!;
        const [command, ...args] = service.command as string[];
        expect(command).toBe('node');
        const env = {
          ...service.environment!,
          ...addresses,
          ...(service.environment!.PORT ? { PORT: httpPort } : {}),
        };
        const child = spawn(process.execPath, args, {
          cwd: PROJECT_ROOT,
          // Only what the container has: its environment, no variable of the test runner.
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        const running: ComposeProcess = {
          child,
          output: () => output,
          exited: () =>
            child.exitCode !== null
              ? Promise.resolve()
              : new Promise<void>((r) => child.once('exit', () => r())),
        };
        composeProcesses.push(running);
        return running;
      };
      const worker = run('boomerang-worker');
      const http = run('boomerang-http');
      await until(
        async () => /polling task queue/.test(worker.output()) || worker.child.exitCode !== null,
        'the worker to poll',
        180_000,
      );
      await until(
        async () => /listening on/.test(http.output()) || http.child.exitCode !== null,
        'the endpoint to listen',
        60_000,
      );
      expect(worker.child.exitCode, worker.output()).toBeNull();
      expect(http.child.exitCode, http.output()).toBeNull();
      expect((await fetch(`http://localhost:${httpPort}/healthz`)).ok).toBe(true);

      const contacts = await seedCampaign(composeDb.db, 'compose', 3);
      await client.workflow.start(launchCampaign, {
        taskQueue: controlTaskQueue(
          services['boomerang-worker']!.environment!.TEMPORAL_TASK_QUEUE!,
        ),
        workflowId: 'launch/compose',
        args: [{ campaignId: 'compose' }],
      });
      const sent = await until(
        async () => {
          const rows = await composeDb.db
            .selectFrom('messages')
            .select(['contact_id', 'status'])
            .where('campaign_id', '=', 'compose')
            .where('status', '=', 'sent')
            .execute();
          return rows.length > 0 && rows;
        },
        'the first email in the outbox',
        120_000,
      );
      expect(contacts.map((c) => c.id)).toContain(sent[0]!.contact_id);
    } finally {
      for (const p of composeProcesses) p.child.kill('SIGTERM');
      await Promise.all(composeProcesses.map((p) => p.exited()));
      await composeDb.drop();
    }
  }, 400_000);

  it("serves the Web UI as npm start and docker-compose.yml configure it: journeys listed, payloads sent to the endpoint's codec with the operator's credentials", async () => {
    const workflowId = `ui-listed-${Date.now()}`;
    await client.workflow.start(greetingWorkflow, {
      taskQueue: 'nobody-polls',
      workflowId,
      args: [{ name: 'Ada' }],
    });
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-ui-'));
    const stops: (() => Promise<void>)[] = [];
    try {
      // npm start -- --temporal server: the UI server with the config Boomerang writes.
      const started = await startUiServer({
        binary: uiServer,
        stateDir: path.join(scratch, 'npm-start'),
        port: await freePort(),
        temporalAddress: server.address,
        namespace: 'default',
        codecEndpoint: CODEC_ENDPOINT,
      });
      stops.push(started.stop);
      expect(await codecSettings(started.url)).toMatchObject({
        Endpoint: CODEC_ENDPOINT,
        IncludeCredentials: true,
      });
      await until(() => uiListsWorkflow(started.url, workflowId), 'the UI to list it', 30_000);

      // docker-compose.yml: the image runs the same binary on its docker.yaml template (shipped
      // in the UI server's Go module) with the service's environment.
      const go = await which('go');
      expect(go, 'go on PATH (the UI server module holds its docker config)').toBeTruthy();
      const { stdout } = await promisify(execFile)(
        go!,
        ['mod', 'download', '-json', `github.com/temporalio/ui-server/v2@v${UI_SERVER_VERSION}`],
        { cwd: scratch },
      );
      const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
      const root = path.join(scratch, 'compose');
      await fs.mkdir(path.join(root, 'config'), { recursive: true });
      await fs.copyFile(
        path.join(moduleDir, 'config', 'docker.yaml'),
        path.join(root, 'config', 'docker.yaml'),
      );
      const ui = composeServices({
        ...TEST_COMPOSE_SECRETS,
        TEMPORAL_CODEC_ENDPOINT: CODEC_ENDPOINT,
      })['temporal-ui']!;
      const uiPort = await freePort();
      const child = spawn(
        uiServer,
        ['--root', root, '--config', 'config', '--env', 'docker', 'start'],
        {
          env: {
            ...ui.environment,
            TEMPORAL_ADDRESS: server.address,
            TEMPORAL_UI_PORT: String(uiPort),
          },
          stdio: 'ignore',
        },
      );
      stops.push(async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      });
      const composeUrl = `http://localhost:${uiPort}`;
      await until(
        () =>
          fetch(`${composeUrl}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        'the compose UI to answer',
        30_000,
      );
      expect(await codecSettings(composeUrl)).toMatchObject({
        Endpoint: CODEC_ENDPOINT,
        IncludeCredentials: true,
      });
      await until(
        () => uiListsWorkflow(composeUrl, workflowId),
        'the compose UI to list it',
        30_000,
      );
    } finally {
      for (const stop of stops) await stop();
      await client.workflow.getHandle(workflowId).terminate('test done');
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});
