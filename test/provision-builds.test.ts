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
import { installAtomically, isExecutable } from '../src/provision/tools.js';
import { type RunningProcess, startTs, until } from './support/processes.js';

/** The pid of a process that ran and exited. */
async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
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

  it('removes the scratch directories of killed processes, not those of running ones', async () => {
    const dead = `${finalDir}.partial-${await deadPid()}-1796672899289`;
    const running = `${finalDir}.partial-${process.ppid}-1796672899290`;
    for (const dir of [dead, running]) {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'half-written'), '');
    }
    await installAtomically(finalDir, fakeBuild, { installed, what: 'fake tool' });
    expect((await fs.readdir(path.dirname(finalDir))).sort()).toEqual(
      ['bin', path.basename(running)].sort(),
    );
  });
});
