/**
 * The embedded cluster's postmaster seen from outside, through its `postmaster.pid`: npm start's
 * Postgres part (postgres-main.ts) holds the server as its child, and a server that outlives it
 * (the part killed, on a stop that hung or by the OOM killer) would keep the port and the data
 * directory from the next start. Apart from postgres.ts for the reason cluster-dir.ts gives.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PlainFailure } from '../main-helpers.js';
import { say } from '../supervisor.js';
import { isAlive } from './local-state.js';

/** The postmaster's pid, from the first line of postmaster.pid (undefined while there is none). */
export async function postmasterPid(clusterDir: string): Promise<number | undefined> {
  try {
    const pid = Number(
      (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A process's state letter and parent, from /proc/<pid>/stat; undefined once it is gone. */
async function processStat(pid: number): Promise<{ state: string; ppid: number } | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (!fields?.[0] || !fields[1]) return undefined;
  return { state: fields[0], ppid: Number(fields[1]) };
}

/** Whether `pid` still runs: a zombie nobody reaps (an orphan under some inits) has stopped. */
export async function processRuns(pid: number): Promise<boolean> {
  return isAlive(pid) && (await processStat(pid))?.state !== 'Z';
}

async function commandLine(pid: number): Promise<string[]> {
  const text = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text.split('\0').filter(Boolean);
}

/** npm start's Postgres part: the process that holds the postmaster while the stack runs. */
const PART_SCRIPT = 'postgres-main.ts';

export interface ClusterPostmaster {
  pid: number;
  /** The pid of the Postgres part of an `npm start` that still holds it, if one does. */
  heldBy?: number;
}

/**
 * The postgres server running on `clusterDir`, if one is. The pid in postmaster.pid counts only if
 * it is a `postgres` whose working directory is this cluster (the server works in its data
 * directory): a pid the system gave to another process since, or the server of another data
 * directory, is none of ours, and a pid file whose process is gone is Postgres's to handle.
 */
export async function clusterPostmaster(
  clusterDir: string,
): Promise<ClusterPostmaster | undefined> {
  const pid = await postmasterPid(clusterDir);
  if (pid === undefined || !(await processRuns(pid))) return undefined;
  const [program] = await commandLine(pid);
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  const cluster = await fs.realpath(clusterDir).catch(() => path.resolve(clusterDir));
  if (!program || path.basename(program) !== 'postgres' || cwd !== cluster) return undefined;
  const parent = (await processStat(pid))?.ppid;
  const held =
    parent !== undefined &&
    (await processRuns(parent)) &&
    (await commandLine(parent)).some((arg) => arg.endsWith(PART_SCRIPT));
  return held ? { pid, heldBy: parent } : { pid };
}

/** Polls until `pid` has stopped, for at most `ms`; whether it did. */
async function stopped(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await processRuns(pid))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !(await processRuns(pid));
}

/**
 * Stops the postmaster `pid`: a fast shutdown (SIGINT: sessions ended, a checkpoint written), then
 * an immediate one (SIGQUIT: recovery on the next start) if it is still there after 10 s, then
 * SIGKILL; `immediate` starts at the second step.
 */
export async function stopPostmaster(pid: number, { immediate = false } = {}): Promise<void> {
  const steps = [
    { signal: 'SIGINT', ms: 10_000 },
    { signal: 'SIGQUIT', ms: 5_000 },
    { signal: 'SIGKILL', ms: 5_000 },
  ] as const;
  for (const { signal, ms } of immediate ? steps.slice(1) : steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await stopped(pid, ms)) return;
  }
}

/**
 * Before a start: stops a server left running on `clusterDir` by an earlier run whose Postgres
 * part is gone, and says so. One that a running `npm start` still holds is not touched: the start
 * fails, naming it.
 */
export async function stopLeftoverPostmaster(clusterDir: string): Promise<void> {
  const server = await clusterPostmaster(clusterDir);
  if (!server) return;
  if (server.heldBy !== undefined)
    throw new PlainFailure(
      `the embedded Postgres of this data directory (pid ${server.pid}) is run by another \`npm start\` (its Postgres part is pid ${server.heldBy}); stop that one first (Ctrl-C in its terminal), or set BOOMERANG_DATA_DIR.`,
    );
  say(
    `stopping an embedded Postgres left over from an earlier run (pid ${server.pid}, data in ${clusterDir})`,
  );
  await stopPostmaster(server.pid);
}

/**
 * After npm start killed its Postgres part on a stop that hung: stops the server the part leaves
 * running, at once (immediate shutdown), and says so.
 */
export async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const server = await clusterPostmaster(clusterDir);
  if (!server) return;
  say(
    `the embedded Postgres server (pid ${server.pid}) is still running; stopping it at once (immediate shutdown)`,
  );
  await stopPostmaster(server.pid, { immediate: true });
}
