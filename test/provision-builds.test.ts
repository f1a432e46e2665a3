/**
 * Provisioned tools are built once per machine even when several processes need them at once
 * (npm start and test files on a fresh cache), and what a killed build left behind does not
 * stand in the way of the next one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveUiServer } from '../src/provision/temporal-server.js';
import {
  FOREIGN_LOCK_STALE_MS,
  GO_RETRY_DELAYS_S,
  installAtomically,
  isExecutable,
  isNetworkFailure,
  LOCK_HEARTBEAT_MS,
  ProvisionError,
  runGo,
} from '../src/provision/tools.js';
import { type RunningProcess, startTs, until } from './support/processes.js';

/** The pid of a process that ran and exited. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A host name no test machine has: its locks and scratch directories are judged by their age. */
const FOREIGN_HOST = 'another-host.boomerang.invalid';

/** Sets the mtime of `file` `ageMs` into the past, as if nothing had touched it since. */
async function backdate(file: string, ageMs: number): Promise<void> {
  const then = new Date(Date.now() - ageMs);
  await fs.utimes(file, then, then);
}

describe('installAtomically across processes', () => {
  let cache: string;
  let finalDir: string;
  beforeEach(async () => {
    cache = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-install-lock-'));
    finalDir = path.join(cache, 'fake-tool-1.0', 'bin');
  });
  afterEach(async () => {
    await fs.rm(cache, { recursive: true, force: true });
  });

  const fakeBuild = async (scratch: string) => {
    await fs.writeFile(path.join(scratch, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  };
  const installed = () => isExecutable(path.join(finalDir, 'tool'));

  it("builds once when two processes need the tool at once; the second waits and uses the first one's build", async () => {
    const ranFile = path.join(cache, 'ran');
    const goFile = path.join(cache, 'go');
    const start = () =>
      startTs('test/support/install-once.ts', {}, { args: [finalDir, ranFile, goFile] });
    const children: RunningProcess[] = [start(), start()];
    try {
      const builder = await until(
        async () => (await fs.readFile(ranFile, 'utf8').catch(() => '')).trim(),
        'a build to start',
      );
      const waiter = children.find((c) => String(c.child.pid) !== builder)!;
      await waiter.waitForOutput(/waiting for another process \(pid \d+.*fake tool/);
      await fs.writeFile(goFile, '');
      expect(await Promise.all(children.map((c) => c.exited()))).toEqual([0, 0]);
    } finally {
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
    expect((await fs.readFile(ranFile, 'utf8')).trim().split('\n')).toHaveLength(1);
    const outputs = children.map((c) => c.output());
    expect(outputs.map((o) => /result: (\w+)/.exec(o)?.[1]).sort()).toEqual(['built', 'cached']);
    for (const o of outputs) expect(o).toMatch(/tool: echo built by \d+/);
    expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
  }, 120_000);

  it('takes over the lock of a process that died while building', async () => {
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    await fs.writeFile(`${finalDir}.lock`, String(await deadPid()));
    expect(await installAtomically(finalDir, fakeBuild, { installed, what: 'fake tool' })).toBe(
      'built',
    );
    expect(await installed()).toBe(true);
    expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
  });

  it('takes over a lock naming its own pid that it does not hold (a restarted container reuses pids)', async () => {
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    await fs.writeFile(`${finalDir}.lock`, String(process.pid));
    expect(await installAtomically(finalDir, fakeBuild, { installed, what: 'fake tool' })).toBe(
      'built',
    );
  });

  it('lets one of two processes that find a dead lock at once take it over; the other uses its build', async () => {
    const ranFile = path.join(cache, 'ran');
    const goFile = path.join(cache, 'go');
    const gate = path.join(cache, 'takeover-gate');
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    await fs.writeFile(`${finalDir}.lock`, `${await deadPid()}@${os.hostname()}`);
    const start = () =>
      startTs('test/support/install-once.ts', {}, { args: [finalDir, ranFile, goFile, gate] });
    const [first, second] = [start(), start()];
    try {
      // Both have found the lock dead and are about to take it over.
      for (const c of [first, second]) await c.waitForOutput(/is dead: .*taking it over/);
      await fs.writeFile(`${gate}.${first.child.pid}`, '');
      await until(() => fs.readFile(ranFile, 'utf8').catch(() => ''), 'the first to build');
      await fs.writeFile(`${gate}.${second.child.pid}`, '');
      await second.waitForOutput(
        new RegExp(`waiting for another process \\(pid ${first.child.pid} on host`),
      );
      await fs.writeFile(goFile, '');
      expect([await first.exited(), await second.exited()]).toEqual([0, 0]);
    } finally {
      for (const c of [first, second]) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
    expect((await fs.readFile(ranFile, 'utf8')).trim()).toBe(String(first.child.pid));
    expect(first.output()).toMatch(/result: built/);
    expect(second.output()).toMatch(/result: cached/);
    expect(second.output()).toMatch(new RegExp(`tool: echo built by ${first.child.pid}`));
    expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
  }, 120_000);

  it("uses another process's install that landed while it built, instead of failing its rename", async () => {
    const result = await installAtomically(
      finalDir,
      async (scratch) => {
        await fakeBuild(scratch);
        // Meanwhile a process that judged our lock dead renames its own finished build into place.
        const theirs = `${finalDir}.partial-${process.ppid}@${FOREIGN_HOST}-1796672899294`;
        await fs.mkdir(theirs);
        await fs.writeFile(path.join(theirs, 'tool'), '#!/bin/sh\n# theirs\n', { mode: 0o755 });
        await fs.rename(theirs, finalDir);
      },
      { installed, what: 'fake tool' },
    );
    expect(result).toBe('cached');
    expect(await fs.readFile(path.join(finalDir, 'tool'), 'utf8')).toMatch(/theirs/);
    expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
  });

  it('removes the scratch directories of killed processes, not those of running ones', async () => {
    const host = os.hostname();
    const dead = `${finalDir}.partial-${await deadPid()}@${host}-1796672899289`;
    const running = `${finalDir}.partial-${process.ppid}@${host}-1796672899290`;
    // An earlier version named no host: its directories are this host's.
    const deadUnnamed = `${finalDir}.partial-${await deadPid()}-1796672899291`;
    // Another host's pids mean nothing here; the age of its directory tells.
    const foreignRecent = `${finalDir}.partial-${await deadPid()}@${FOREIGN_HOST}-1796672899292`;
    const foreignAbandoned = `${finalDir}.partial-${process.ppid}@${FOREIGN_HOST}-1796672899293`;
    for (const dir of [dead, running, deadUnnamed, foreignRecent, foreignAbandoned]) {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'half-written'), '');
    }
    await backdate(foreignAbandoned, FOREIGN_LOCK_STALE_MS + 60_000);
    await installAtomically(finalDir, fakeBuild, { installed, what: 'fake tool' });
    expect((await fs.readdir(path.dirname(finalDir))).sort()).toEqual(
      ['bin', path.basename(running), path.basename(foreignRecent)].sort(),
    );
  });

  it('waits for a recently refreshed lock of another host, whose pid means nothing here', async () => {
    const lockFile = `${finalDir}.lock`;
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    await fs.writeFile(lockFile, `${await deadPid()}@${FOREIGN_HOST}`);
    const log: string[] = [];
    const result = installAtomically(finalDir, fakeBuild, {
      installed,
      what: 'fake tool',
      log: (m) => log.push(m),
    });
    await until(
      async () =>
        log.some((m) => /waiting for another process \(pid \d+ on host another-host/.test(m)),
      'the wait for the other host to be reported',
    );
    // The other host finishes its install and lets go.
    await fs.mkdir(finalDir);
    await fs.writeFile(path.join(finalDir, 'tool'), '#!/bin/sh\n# other host\n', { mode: 0o755 });
    await fs.rm(lockFile);
    expect(await result).toBe('cached');
    expect(await fs.readFile(path.join(finalDir, 'tool'), 'utf8')).toMatch(/other host/);
  });

  it('takes over the lock of another host that has not been refreshed for longer than the threshold', async () => {
    const lockFile = `${finalDir}.lock`;
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    // A pid that runs here: only the age of the lock can tell that the other host's build died.
    await fs.writeFile(lockFile, `${process.ppid}@${FOREIGN_HOST}`);
    await backdate(lockFile, FOREIGN_LOCK_STALE_MS + 60_000);
    expect(await installAtomically(finalDir, fakeBuild, { installed, what: 'fake tool' })).toBe(
      'built',
    );
    expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
  });

  it(
    'keeps its lock fresh while it builds, for processes of other hosts that cannot see its pid',
    async () => {
      const ranFile = path.join(cache, 'ran');
      const goFile = path.join(cache, 'go');
      const lockFile = `${finalDir}.lock`;
      const builder = startTs(
        'test/support/install-once.ts',
        {},
        { args: [finalDir, ranFile, goFile] },
      );
      try {
        await until(() => fs.readFile(ranFile, 'utf8').catch(() => ''), 'the build to start');
        expect(await fs.readFile(lockFile, 'utf8')).toBe(`${builder.child.pid}@${os.hostname()}`);
        // As a host that has not heard from it for an hour would see it.
        await backdate(lockFile, 60 * 60_000);
        await until(
          async () => Date.now() - (await fs.stat(lockFile)).mtimeMs < FOREIGN_LOCK_STALE_MS,
          'the builder to refresh its lock',
          LOCK_HEARTBEAT_MS * 3,
        );
        await fs.writeFile(goFile, '');
        expect(await builder.exited()).toBe(0);
      } finally {
        if (builder.child.exitCode === null) builder.child.kill('SIGKILL');
      }
      expect(await fs.readdir(path.dirname(finalDir))).toEqual(['bin']);
    },
    LOCK_HEARTBEAT_MS * 4,
  );
});

describe('which go failures are tried again', () => {
  it('tries again after the network failed on the way', () => {
    for (const text of [
      'go: downloading go1.27.3 (linux/amd64)\ngo: download go1.27.3: golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64.zip: Get "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.27.3.linux-amd64.zip": read tcp 172.17.0.2:51234->142.250.74.81:443: read: connection reset by peer',
      'go: go.temporal.io/server@v1.32.2: Get "https://proxy.golang.org/go.temporal.io/server/@v/v1.32.2.info": dial tcp 142.250.74.81:443: connect: connection refused',
      'go: github.com/temporalio/ui-server/v2@v2.54.1: Get "https://proxy.golang.org/github.com/temporalio/ui-server/v2/@v/v2.54.1.zip": net/http: TLS handshake timeout',
      'go: downloading go.temporal.io/api v1.50.0\ngo: go.temporal.io/api@v1.50.0: read "https://proxy.golang.org/go.temporal.io/api/@v/v1.50.0.zip": unexpected EOF',
      'go: go.temporal.io/server@v1.32.2: reading https://proxy.golang.org/go.temporal.io/server/@v/v1.32.2.zip: 502 Bad Gateway',
      'go: go.temporal.io/server@v1.32.2: Get "https://proxy.golang.org/go.temporal.io/server/@v/v1.32.2.mod": dial tcp: lookup proxy.golang.org on 10.0.0.2:53: read udp 10.0.0.5:41000->10.0.0.2:53: i/o timeout',
    ])
      expect(isNetworkFailure(text), text).toBe(true);
  });

  it('fails at once on a compile error or a version the proxy does not have', () => {
    for (const text of [
      '# go.temporal.io/server/common/persistence\n../common/persistence/store.go:42:9: undefined: timeoutError',
      'go: go.temporal.io/server@v1.99.0: reading https://proxy.golang.org/go.temporal.io/server/@v/v1.99.0.info: 404 Not Found\n\tserver response: not found: unknown revision v1.99.0',
      'go: github.com/temporalio/cli/cmd/temporal@v1.9.1 (in github.com/temporalio/cli@v1.9.1):\n\tThe go.mod file for the module providing named packages contains one or\n\tmore replace directives.',
    ])
      expect(isNetworkFailure(text), text).toBe(false);
  });
});

describe('go install of a provisioned tool', () => {
  let cache: string;
  const savedPath = process.env.PATH;
  beforeEach(async () => {
    cache = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-go-retry-'));
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await fs.rm(cache, { recursive: true, force: true });
  });

  /** A `go` first on PATH that records each run, fails the first with `stderr` and then builds. */
  async function fakeGo(stderr: string): Promise<string> {
    const runs = path.join(cache, 'go-runs');
    const bin = path.join(cache, 'fake-bin');
    await fs.mkdir(bin);
    const script = `#!/bin/sh
echo run >> "${runs}"
if [ "$(wc -l < "${runs}")" -eq 1 ]; then printf '%s\\n' '${stderr}' >&2; exit 1; fi
printf '#!/bin/sh\\n' > "$GOBIN/server" && chmod +x "$GOBIN/server"
`;
    await fs.writeFile(path.join(bin, 'go'), script, { mode: 0o755 });
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    return runs;
  }

  it('tries again when the module proxy reset the connection', async () => {
    const runs = await fakeGo(
      'go: downloading go1.27.3 (linux/amd64)\ngo: download go1.27.3: read tcp 172.17.0.2:51234->142.250.74.81:443: read: connection reset by peer',
    );
    const log: string[] = [];
    const binary = await resolveUiServer({ cacheDir: cache, log: (m) => log.push(m) });
    expect(await isExecutable(binary)).toBe(true);
    expect((await fs.readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect(log.join('\n')).toMatch(
      /go install failed on the network .*connection reset by peer.*trying again/,
    );
  }, 60_000);

  it('gives up when the time allowed for all attempts would be up before the next one', async () => {
    const runs = path.join(cache, 'go-runs');
    const go = path.join(cache, 'go');
    const reset =
      'go: go.temporal.io/server@v1.32.2: read tcp 172.17.0.2:51234->142.250.74.81:443: read: connection reset by peer';
    await fs.writeFile(go, `#!/bin/sh\necho run >> "${runs}"\necho '${reset}' >&2\nexit 1\n`, {
      mode: 0o755,
    });
    const log: string[] = [];
    // Less than the wait before the second attempt: a time limit per attempt would allow three.
    const timeout = (GO_RETRY_DELAYS_S[0]! * 1000) / 2;
    await expect(
      runGo(go, ['install'], { env: process.env, maxBuffer: 1 << 20, timeout }, (m) => log.push(m)),
    ).rejects.toThrow(/connection reset by peer/);
    expect((await fs.readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(log.join('\n')).toMatch(
      /go install failed on the network .*not trying again: the \d+ s allowed for all attempts/,
    );
  }, 60_000);

  it('fails at once on a compile error, naming the module', async () => {
    const runs = await fakeGo('../server/main.go:12:3: undefined: uiserver');
    const error = await resolveUiServer({ cacheDir: cache }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(
      /go install github.com\/temporalio\/ui-server.*undefined: uiserver/,
    );
    expect((await fs.readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
