/** npm start checks every port it will listen on before it starts anything, and names each taken one. */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { failureLines } from '../src/main-helpers.js';
import { assertPortsFree } from '../src/supervisor.js';
import { freePort, portWasTaken } from './support/ports.js';

describe('assertPortsFree', () => {
  const servers: net.Server[] = [];
  const listening = () =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      servers.push(server);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  it('names every taken port with its variable in one error, and passes when all are free', async () => {
    const [temporal, ui] = [await listening(), await listening()];
    const free = await freePort();
    const error = await assertPortsFree([
      { port: temporal, variable: 'TEMPORAL_DEV_SERVER_PORT', what: 'Temporal dev server' },
      { port: free, variable: 'PORT', what: 'HTTP endpoint' },
      { port: ui, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
    ]).catch((err: unknown) => err as Error);
    expect(error).toBeInstanceOf(Error);
    const lines = (error as Error).message.split('\n');
    expect(lines).toEqual([
      `port ${temporal} (Temporal dev server) is already in use: is another \`npm start\` or server running? Stop it, or set TEMPORAL_DEV_SERVER_PORT to a free port.`,
      `port ${ui} (Temporal Web UI) is already in use: is another \`npm start\` or server running? Stop it, or set TEMPORAL_UI_PORT to a free port.`,
    ]);
    // The tests' retry on a taken port still recognises it.
    expect(portWasTaken((error as Error).message)).toBe(true);
    await expect(
      assertPortsFree([{ port: free, variable: 'PORT', what: 'HTTP endpoint' }]),
    ).resolves.toBeUndefined();
  });
});

describe('how a failed start is told', () => {
  const HINT = '(set BOOMERANG_DEBUG=1 for the stack trace)';

  it('a taken port or a bad variable: the reason alone, no debug hint', async () => {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    );
    try {
      const taken = await assertPortsFree([
        { port, variable: 'PORT', what: 'HTTP endpoint' },
      ]).catch((err: unknown) => err);
      expect(failureLines('boomerang', taken)).toEqual([
        `boomerang: port ${port} (HTTP endpoint) is already in use: is another \`npm start\` or server running? Stop it, or set PORT to a free port.`,
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
    let config: unknown;
    try {
      loadConfig({ PORT: 'eighty' });
    } catch (err) {
      config = err;
    }
    expect(config).toBeInstanceOf(ConfigError);
    const lines = failureLines('boomerang', config);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^boomerang: Invalid configuration:\n {2}- PORT: /);
  });

  it('an unexpected error: the reason, then the hint', () => {
    expect(failureLines('boomerang', new TypeError('x is not a function'))).toEqual([
      'boomerang: x is not a function',
      HINT,
    ]);
  });
});
