/** `npm start -- --temporal server --workers N`: the flags, and clear errors naming a bad one. */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { failureLines, ReportedFailure } from '../src/main-helpers.js';
import { parseStartArgs, start } from '../src/start.js';
import { freePort } from './support/ports.js';

describe('npm start flags', () => {
  it('defaults to the dev server and one worker', () => {
    expect(parseStartArgs([])).toEqual({ temporal: 'dev', workers: 1 });
  });

  it('takes the production server and a worker count', () => {
    expect(parseStartArgs(['--temporal', 'server', '--workers', '3'])).toEqual({
      temporal: 'server',
      workers: 3,
    });
  });

  it('names the bad flag', () => {
    expect(() => parseStartArgs(['--temporal', 'cloud'])).toThrow(
      /--temporal must be dev .* or server/,
    );
    expect(() => parseStartArgs(['--workers', '0'])).toThrow(/--workers must be a whole number/);
    expect(() => parseStartArgs(['--workers', 'two'])).toThrow(/--workers must be a whole number/);
    expect(() => parseStartArgs(['--wrokers', '2'])).toThrow(/--wrokers/);
  });

  it('tells a bad flag without the debug hint', () => {
    for (const args of [
      ['--workers', 'two'],
      ['--wrokers', '2'],
    ]) {
      const err = (() => {
        try {
          parseStartArgs(args);
        } catch (e) {
          return e;
        }
      })();
      const lines = failureLines('boomerang', err);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^boomerang: .*--wo?r/);
    }
  });
});

describe('npm start on a taken port', () => {
  it('says why first, with neither "stopped" nor the debug hint, and leaves the data directory as it was', async () => {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-taken-'));
    const dataDir = path.join(parent, '.data');
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((m: string) => void printed.push(m));
    const error = vi
      .spyOn(console, 'error')
      .mockImplementation((m: string) => void printed.push(m));
    const signals = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    try {
      const config = loadConfig({
        BOOMERANG_DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
      });
      await expect(start(config)).rejects.toBeInstanceOf(ReportedFailure);
      expect(printed).toEqual([
        `boomerang: port ${port} (HTTP endpoint) is already in use: is another \`npm start\` or server running? Stop it, or set PORT to a free port.`,
      ]);
      // Nothing ran, so no empty data directory is made...
      await expect(fs.stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
      // ...and one that was there is neither filled nor made owner-only.
      await fs.mkdir(dataDir, { mode: 0o755 });
      await fs.chmod(dataDir, 0o755);
      await expect(start(config)).rejects.toBeInstanceOf(ReportedFailure);
      expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o755);
      expect(await fs.readdir(dataDir)).toEqual([]);
    } finally {
      log.mockRestore();
      error.mockRestore();
      for (const [signal, kept] of Object.entries(signals))
        for (const listener of process.listeners(signal as 'SIGINT'))
          if (!kept.includes(listener)) process.off(signal, listener);
      await new Promise((r) => server.close(r));
      await fs.rm(parent, { recursive: true, force: true });
    }
  });
});
