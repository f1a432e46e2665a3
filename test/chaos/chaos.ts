/**
 * `npm run chaos`: fault injection on a running stack. Starts `npm start` in a scratch data
 * directory with a fast welcome campaign (welcome email, 5 s wait, coupon + voucher email), sends
 * a burst of registrations from concurrent clients that retry until answered 2xx (as a store
 * does), and meanwhile kills, in turn: the worker (SIGKILL), the embedded Postgres postmaster
 * (SIGKILL), the Temporal dev server alone (SIGKILL; npm start restarts it), and the whole stack
 * with its Temporal dev server (SIGKILL of the process group, then `npm start` again). Then it checks with SQL and Temporal:
 *   0 duplicate emails, 0 duplicate coupons, 0 lost events (every event answered 2xx is applied),
 *   0 stuck journeys (every registration has a journey that reached its voucher email or runs).
 * Beside it runs a second welcome campaign whose definition is exactly at the size limit
 * (MAX_DEFINITION_BYTES): every registration must enrol in both. One byte over, `campaign create`
 * must refuse it, naming the size and the limit.
 *
 *   npm run chaos [-- --events 300]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'kysely';
import { MAX_DEFINITION_BYTES } from '../../src/campaigns/check.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createDb } from '../../src/db/database.js';
import { parseCampaignDefinition } from '../../src/domain/campaigns/definition.js';
import { embeddedClusterDir } from '../../src/provision/cluster-dir.js';
import { readStackState } from '../../src/provision/local-state.js';

const exec = promisify(execFile);
const argIndex = process.argv.indexOf('--events');
const EVENTS = argIndex >= 0 ? Number(process.argv[argIndex + 1]) : 300;
const API_KEY = 'bmr_chaos';
const CLIENTS = 20;
const BURST_SECONDS = 65;
const say = (m: string) => console.log(`[chaos] ${new Date().toISOString().slice(11, 19)} ${m}`);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-chaos-'));
await fs.chmod(dataDir, 0o755);
const ports = {
  temporal: await freePort(),
  ui: await freePort(),
  pg: await freePort(),
  http: await freePort(),
};
const env: NodeJS.ProcessEnv = {
  ...process.env,
  BOOMERANG_DATA_DIR: dataDir,
  TEMPORAL_DEV_SERVER_PORT: String(ports.temporal),
  TEMPORAL_UI_PORT: String(ports.ui),
  EMBEDDED_POSTGRES_PORT: String(ports.pg),
  PORT: String(ports.http),
  BOOMERANG_API_KEY: API_KEY,
  DATABASE_URL: '',
  TEMPORAL_ADDRESS: '',
};

let stack: ChildProcess | undefined;
let output = '';
async function startStack(): Promise<void> {
  output = '';
  stack = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
    cwd: PROJECT_ROOT,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  stack.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const started = Date.now();
  while (!/up and running/.test(output)) {
    if (stack.exitCode !== null) throw new Error(`npm start exited:\n${output.slice(-3000)}`);
    if (Date.now() - started > 240_000) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function boomerang(...args: string[]): Promise<string> {
  const { stdout } = await exec(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin/boomerang.js'), ...args],
    // No DATABASE_URL or TEMPORAL_ADDRESS: the CLI finds the running stack (its generated
    // passwords included) in the data directory, as a user's would.
    { env },
  );
  return stdout;
}

/** The pid of the stack's child whose command line contains `marker`. */
async function childPid(marker: string): Promise<number | undefined> {
  const { stdout } = await exec('ps', ['-o', 'pid=,args=', '--ppid', String(stack!.pid)]);
  const line = stdout.split('\n').find((l) => l.includes(marker));
  return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
}

const accepted = new Set<string>();
const answersByStatus = new Map<number, number>();
let connectionErrors = 0;
async function burst(): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < EVENTS) {
        const i = next++;
        const eventId = `chaos-${i}`;
        // A store retries until it gets a 2xx.
        for (;;) {
          try {
            const res = await fetch(`http://127.0.0.1:${ports.http}/events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                type: 'account_registered',
                event_id: eventId,
                contact: { email: `chaos${i}@example.com`, newsletter: 'subscribed' },
              }),
              signal: AbortSignal.timeout(10_000),
            });
            await res.arrayBuffer();
            if (res.status === 202) {
              accepted.add(eventId);
              break;
            }
            answersByStatus.set(res.status, (answersByStatus.get(res.status) ?? 0) + 1);
          } catch {
            connectionErrors++;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        // Spread over the ~65 s of the kills, so events arrive during each fault.
        await new Promise((r) => setTimeout(r, (CLIENTS * BURST_SECONDS * 1000) / EVENTS));
      }
    }),
  );
}

const EVERY_HOUR = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  from: '00:00',
  to: '24:00',
};
const AT_LIMIT = 'chaos-at-limit';

/**
 * A welcome campaign whose definition, as saved (defaults included), is `bytes` long as JSON. The
 * bulk is in the reminder, which no journey reaches during the run (it waits a day after welcome).
 */
function welcomeOfBytes(id: string, bytes: number): Record<string, unknown> {
  const withPadding = (padding: number) => ({
    id,
    name: id,
    kind: 'welcome_voucher',
    couponSet: AT_LIMIT,
    waits: { afterWelcome: '1 day' },
    contactWindow: EVERY_HOUR,
    emails: {
      reminder: {
        subject: 'Your voucher expires soon',
        html: `<p>{{ coupon.code }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p><!--${'x'.repeat(padding)}-->`,
      },
    },
  });
  const size = (d: unknown) => Buffer.byteLength(JSON.stringify(parseCampaignDefinition(d)));
  return withPadding(bytes - size(withPadding(0)));
}

const problems: string[] = [];
try {
  say(`starting the stack in ${dataDir}`);
  await startStack();
  await boomerang('coupons', 'generate', 'chaos', '--count', String(EVENTS + 100));
  const campaignFile = path.join(dataDir, 'campaign.json');
  await fs.writeFile(
    campaignFile,
    JSON.stringify({
      id: 'chaos',
      name: 'Chaos welcome',
      kind: 'welcome_voucher',
      couponSet: 'chaos',
      waits: { afterWelcome: '5 seconds', afterVoucher: '1 day' },
      contactWindow: EVERY_HOUR,
    }),
  );
  await boomerang('campaign', 'create', '--file', campaignFile);

  // A definition at the size limit is a campaign like any other; one byte more is refused.
  await boomerang('coupons', 'generate', AT_LIMIT, '--count', String(EVENTS + 100));
  const atLimitFile = path.join(dataDir, 'at-limit.json');
  await fs.writeFile(atLimitFile, JSON.stringify(welcomeOfBytes(AT_LIMIT, MAX_DEFINITION_BYTES)));
  await boomerang('campaign', 'create', '--file', atLimitFile);
  const overLimitFile = path.join(dataDir, 'over-limit.json');
  await fs.writeFile(
    overLimitFile,
    JSON.stringify(welcomeOfBytes('chaos-over-limit', MAX_DEFINITION_BYTES + 1)),
  );
  const overLimit = await boomerang('campaign', 'create', '--file', overLimitFile).then(
    () => 'created',
    (err: { stderr?: string }) => err.stderr ?? String(err),
  );
  if (!overLimit.includes(`at most ${MAX_DEFINITION_BYTES.toLocaleString('en')} bytes`))
    problems.push(`a definition 1 byte over the size limit: ${overLimit.trim()}`);
  else say(`a definition 1 byte over the size limit is refused: ${overLimit.trim()}`);

  /** The dev server npm start runs now (it writes the pid again on every restart). */
  const temporalPid = async () =>
    Number((await fs.readFile(path.join(dataDir, 'temporal.pid'), 'utf8')).split(' ')[0]);

  say(`burst: ${EVENTS} registrations from 20 clients, while parts are killed in turn`);
  const sending = burst();
  await new Promise((r) => setTimeout(r, 8000));
  const worker = await childPid('worker.ts');
  say(`SIGKILL worker (pid ${worker})`);
  if (worker) process.kill(worker, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 15_000));
  const postmaster = Number(
    // As root the cluster lives where the postgres user can reach it (provision/cluster-dir.ts).
    (
      await fs.readFile(
        path.join((await embeddedClusterDir(dataDir)).clusterDir, 'postmaster.pid'),
        'utf8',
      )
    ).split('\n')[0],
  );
  say(`SIGKILL Postgres postmaster (pid ${postmaster})`);
  process.kill(postmaster, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 15_000));
  const devServer = await temporalPid();
  say(`SIGKILL the Temporal dev server alone (pid ${devServer})`);
  process.kill(-devServer, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 15_000));
  say('SIGKILL the whole stack, Temporal dev server included (power loss), then npm start again');
  process.kill(-stack!.pid!, 'SIGKILL');
  // The restarted dev server, in its own process group.
  const restarted = await temporalPid();
  try {
    process.kill(-restarted, 'SIGKILL');
  } catch {
    // gone with the group
  }
  // The parts in their own process groups stop by themselves once their supervisor is gone.
  for (const port of Object.values(ports)) {
    for (let i = 0; i < 60 && (await portOpen(port)); i++)
      await new Promise((r) => setTimeout(r, 500));
  }
  await startStack();
  await sending;
  const refusals = [...answersByStatus].map(([status, n]) => `${n}× ${status}`).join(', ');
  say(
    `burst done: ${accepted.size} accepted; meanwhile ${refusals || 'no other answer'} and ${connectionErrors} connection errors, all retried`,
  );
  if (answersByStatus.has(500)) problems.push(`${answersByStatus.get(500)} answers were 500`);

  const running = readStackState(dataDir);
  if (!running) throw new Error(`npm start wrote no stack state in ${dataDir}`);
  const db = createDb(running.databaseUrl, { max: 2 });
  const connection = await Connection.connect({ address: running.temporalAddress });
  const temporal = new Client({ connection });
  try {
    say('waiting for the inbox to drain and every journey to reach its voucher email');
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const { rows } = await sql<{ pending: number; vouchers: number; atLimit: number }>`
        SELECT (SELECT count(*)::int FROM inbox_events WHERE processed_at IS NULL) AS pending,
               (SELECT count(DISTINCT workflow_id)::int FROM messages
                 WHERE campaign_id = 'chaos' AND template = 'welcome-voucher') AS vouchers,
               (SELECT count(DISTINCT workflow_id)::int FROM messages
                 WHERE campaign_id = ${AT_LIMIT}) AS "atLimit"`.execute(db);
      const { pending, vouchers, atLimit } = rows[0]!;
      if (pending === 0 && vouchers >= accepted.size && atLimit >= accepted.size) break;
      if (Date.now() > deadline) {
        problems.push(
          `timed out: ${pending} events pending, ${vouchers}/${accepted.size} vouchers, ${atLimit}/${accepted.size} welcome emails of ${AT_LIMIT}`,
        );
        break;
      }
      await new Promise((r) => setTimeout(r, 3000));
    }

    const stored = await db
      .selectFrom('inbox_events')
      .select(['dedupe_key', 'processed_at', 'last_error', 'parked_at'])
      .execute();
    const applied = new Set(
      stored
        .filter((e) => e.processed_at && !e.last_error)
        .map((e) => e.dedupe_key.replace(/^event:/, '')),
    );
    const lost = [...accepted].filter((id) => !applied.has(id));
    if (lost.length)
      problems.push(`${lost.length} accepted events not applied: ${lost.slice(0, 5).join(', ')}`);

    const { rows: dupEmails } = await sql<{ workflow_id: string; template: string; n: number }>`
      SELECT workflow_id, template, count(*)::int AS n FROM messages
      WHERE campaign_id IN ('chaos', ${AT_LIMIT}) GROUP BY 1, 2 HAVING count(*) > 1`.execute(db);
    if (dupEmails.length)
      problems.push(`${dupEmails.length} duplicate emails, e.g. ${JSON.stringify(dupEmails[0])}`);
    const { rows: dupCoupons } = await sql<{ contact_id: number; n: number }>`
      SELECT contact_id, count(*)::int AS n FROM coupons
      WHERE set_id = 'chaos' AND assignment_key IS NOT NULL GROUP BY 1 HAVING count(*) > 1`.execute(
      db,
    );
    if (dupCoupons.length) problems.push(`${dupCoupons.length} contacts with two coupons`);

    const journeys = await db
      .selectFrom('journeys')
      .select(['workflow_id', 'ended_at', 'end_reason'])
      .where('campaign_id', '=', 'chaos')
      .execute();
    if (journeys.length !== accepted.size)
      problems.push(`${journeys.length} journeys for ${accepted.size} registrations`);
    const atLimitJourneys = await db
      .selectFrom('journeys')
      .select(['workflow_id', 'ended_at', 'end_reason'])
      .where('campaign_id', '=', AT_LIMIT)
      .execute();
    if (atLimitJourneys.length !== accepted.size)
      problems.push(
        `${atLimitJourneys.length} journeys of ${AT_LIMIT} (a definition at the size limit) for ${accepted.size} registrations`,
      );
    journeys.push(...atLimitJourneys);
    let stuck = 0;
    for (const j of journeys) {
      const status = (await temporal.workflow.getHandle(j.workflow_id).describe()).status.name;
      // Open rows are journeys waiting out their last day; they must be running in Temporal.
      if ((j.ended_at === null) !== (status === 'RUNNING') || j.end_reason === 'failed') stuck++;
    }
    if (stuck) problems.push(`${stuck} journeys stuck or failed (row and Temporal disagree)`);

    const { rows: figures } = await sql<{ emails: number; coupons: number }>`
      SELECT (SELECT count(*)::int FROM messages WHERE campaign_id = 'chaos') AS emails,
             (SELECT count(*)::int FROM coupons WHERE set_id = 'chaos' AND assignment_key IS NOT NULL) AS coupons`.execute(
      db,
    );
    say(
      `checked: ${accepted.size} events accepted and ${accepted.size - lost.length} applied; ${journeys.length} journeys (${atLimitJourneys.length} of ${AT_LIMIT}); ` +
        `${figures[0]!.emails} emails, ${figures[0]!.coupons} coupons; duplicates: ${dupEmails.length} emails, ${dupCoupons.length} coupons; stuck: ${stuck}`,
    );
  } finally {
    await db.destroy();
    await connection.close();
  }
} catch (err) {
  problems.push(String(err));
} finally {
  if (stack?.pid && stack.exitCode === null) {
    process.kill(-stack.pid, 'SIGINT');
    await new Promise((r) => stack!.once('exit', r));
  }
  // As root the cluster lives outside the data directory (provision/cluster-dir.ts).
  const { clusterDir } = await embeddedClusterDir(dataDir);
  if (!clusterDir.startsWith(dataDir))
    await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
  await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}
if (problems.length) {
  console.error(`[chaos] FAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else say('PASSED: 0 duplicate emails or coupons, 0 lost events, 0 stuck journeys');
