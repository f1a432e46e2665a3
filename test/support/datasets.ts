/**
 * Reference data sets for the customer-value model tests, provisioned on demand and cached
 * outside the repository (they are not ours to commit).
 *
 * The CDNOW summaries ship inside the pure-Python wheel of `lifetimes` 0.11.3 on PyPI:
 *   lifetimes/datasets/cdnow_customers_summary.csv                    (ID, frequency, recency, T)
 *   lifetimes/datasets/cdnow_customers_summary_with_transactions.csv  (ID, x, t_x, T, zbar)
 * 2,357 customers of the CDNOW 1/10th sample, times in weeks, zbar = mean repeat-purchase value.
 * The first use downloads the wheel with pip (about 2 s) and unpacks the two files into
 *   ${BOOMERANG_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/boomerang}/datasets/lifetimes-0.11.3/
 */
import { execFile } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const execFileAsync = promisify(execFile);

const LIFETIMES_VERSION = '0.11.3';
const MEMBERS = {
  summary: 'lifetimes/datasets/cdnow_customers_summary.csv',
  withTransactions: 'lifetimes/datasets/cdnow_customers_summary_with_transactions.csv',
} as const;

/** The cache root: $BOOMERANG_CACHE_DIR, else $XDG_CACHE_HOME/boomerang, else ~/.cache/boomerang. */
export function boomerangCacheDir(): string {
  return (
    process.env.BOOMERANG_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'boomerang')
  );
}

function datasetDir(): string {
  return join(boomerangCacheDir(), 'datasets', `lifetimes-${LIFETIMES_VERSION}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

let provisioning: Promise<string> | undefined;

/** Ensure both CDNOW files are in the cache; resolves to the cache folder. */
async function provision(): Promise<string> {
  const dir = datasetDir();
  const targets = Object.values(MEMBERS).map((m) => join(dir, m.split('/').pop()!));
  if ((await Promise.all(targets.map(exists))).every(Boolean)) return dir;

  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'boomerang-lifetimes-'));
  try {
    const step = async (what: string, args: string[]): Promise<void> => {
      try {
        await execFileAsync('python3', args, { cwd: work, timeout: 120_000 });
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Could not provision the CDNOW test data (${what} failed).\n` +
            `It comes from the PyPI wheel lifetimes==${LIFETIMES_VERSION}, fetched with ` +
            `\`python3 -m pip download --no-deps --only-binary=:all: lifetimes==${LIFETIMES_VERSION}\`.\n` +
            'Install python3 with pip (Debian/Ubuntu: `apt-get install python3 python3-pip`) and make ' +
            `sure PyPI is reachable, or copy ${Object.values(MEMBERS).join(' and ')} from that wheel ` +
            `into ${dir}.\nCause: ${detail}`,
        );
      }
    };
    await step('pip download', [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      `lifetimes==${LIFETIMES_VERSION}`,
      '-d',
      work,
    ]);
    const wheel = (await readdir(work)).find((f) => f.toLowerCase().endsWith('.whl'));
    if (!wheel) throw new Error(`pip download produced no wheel in ${work}`);
    const unpacked = join(work, 'unpacked');
    await step('unzip (python3 -m zipfile -e)', [
      '-m',
      'zipfile',
      '-e',
      join(work, wheel),
      unpacked,
    ]);
    for (const member of Object.values(MEMBERS)) {
      const name = member.split('/').pop()!;
      // Copy then rename, so a concurrent test process never sees a half-written file.
      const partial = join(dir, `${name}.${process.pid}.partial`);
      await copyFile(join(unpacked, ...member.split('/')), partial);
      await rename(partial, join(dir, name));
    }
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function provisionOnce(): Promise<string> {
  provisioning ??= provision().catch((error: unknown) => {
    provisioning = undefined;
    throw error;
  });
  return provisioning;
}

/** Path of cdnow_customers_summary.csv (columns ID, frequency, recency, T; weeks). */
export async function cdnowSummaryPath(): Promise<string> {
  return join(await provisionOnce(), 'cdnow_customers_summary.csv');
}

/** Path of cdnow_customers_summary_with_transactions.csv (columns ID, x, t_x, T, zbar; weeks). */
export async function cdnowSummaryWithTransactionsPath(): Promise<string> {
  return join(await provisionOnce(), 'cdnow_customers_summary_with_transactions.csv');
}

/** A CDNOW summary's rows as numbers, once its header is checked to be `header`. */
export async function cdnowRows(path: string, header: string): Promise<number[][]> {
  const [first, ...lines] = (await readFile(path, 'utf8')).trim().split(/\r?\n/);
  expect(first).toBe(header);
  return lines.map((line) => line.split(',').map(Number));
}
