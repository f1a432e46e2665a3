/**
 * Debian's Chromium for the browser tests (driven by playwright-core): /usr/bin/chromium, installed
 * with apt-get when missing and the tests run as root; otherwise an error saying what to install.
 */
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const exec = promisify(execFile);

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Debian's Chromium at /usr/bin/chromium: installed with apt-get when missing and we are root. */
export async function ensureChromium(): Promise<string> {
  if (await exists(CHROMIUM)) return CHROMIUM;
  const howTo = 'apt-get update && apt-get install -y chromium';
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The dashboard test drives Chromium at ${CHROMIUM}, which is missing, and it is not running as root so it cannot install it.\n` +
        `Install it with: sudo sh -c '${howTo}' (Debian/Ubuntu), then run the tests again.`,
    );
  }
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await exec('sh', ['-c', howTo], { env, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `Chromium is missing at ${CHROMIUM} and installing it failed (\`${howTo}\`): ${(e.stderr ?? e.message).trim().split('\n').slice(-5).join('\n')}`,
    );
  }
  if (!(await exists(CHROMIUM)))
    throw new Error(
      `\`${howTo}\` finished but ${CHROMIUM} is still missing; install Debian's chromium package.`,
    );
  return CHROMIUM;
}

export interface OperatorBrowser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Headless Chromium at `executablePath` in a fresh profile, 1440×1000, answering the Basic auth
 * prompt as the operator with `password` (the key `npm start` printed).
 */
export async function launchOperatorBrowser(
  executablePath: string,
  password: string,
): Promise<OperatorBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'boomerang-chromium-'));
  const removeProfile = () => rm(userDataDir, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1440, height: 1000 },
      httpCredentials: { username: 'operator', password },
    });
  } catch (err) {
    await removeProfile();
    throw err;
  }
  return {
    context,
    async close() {
      await context.close();
      await removeProfile();
    },
  };
}

/**
 * The tables of the dashboard's campaign cards whose right edge, as the reader sees it (clipped by
 * a scrolling box around the table, if any), passes the right edge of their grid column (else of
 * their card): each as "name: table right px > column right px". Empty when every table fits.
 */
export function tablesPastTheirCard(page: Page): Promise<string[]> {
  return page.$$eval('section.campaign table', (tables) =>
    tables.flatMap((table) => {
      const box = table.closest('.grid > div') ?? table.closest('section.campaign')!;
      let visible = table.getBoundingClientRect().right;
      for (let el = table.parentElement; el && el !== box; el = el.parentElement) {
        const overflowX = el.ownerDocument.defaultView?.getComputedStyle(el).overflowX;
        if (overflowX && overflowX !== 'visible')
          visible = Math.min(visible, el.getBoundingClientRect().right);
      }
      const right = box.getBoundingClientRect().right;
      const name =
        table.getAttribute('data-testid') ||
        table.closest('[data-testid]')?.getAttribute('data-testid') ||
        table.querySelector('th')?.textContent;
      return visible > right + 0.5
        ? [`${name}: ${Math.round(visible)} px > ${Math.round(right)} px`]
        : [];
    }),
  );
}
