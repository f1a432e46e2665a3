/**
 * Docker cannot run on the CI machines, so the production topology is checked statically: its
 * services exist and the environment of Boomerang's containers is a valid config that reaches them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENVIRONMENT, loadConfig, PROJECT_ROOT, temporalAddress } from '../src/config.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = compose.services;
/** [host port, container port] of each published port (`[ip:]host:container`). */
const published = (s: Service) =>
  (s.ports ?? []).map((p) => p.split(':').slice(-2).map(Number) as [number, number]);

describe('docker-compose.yml', () => {
  it("describes Temporal on Postgres, the Web UI, Boomerang's Postgres, worker and HTTP", () => {
    expect(Object.keys(services).sort()).toEqual([
      'boomerang-http',
      'boomerang-postgres',
      'boomerang-worker',
      'temporal',
      'temporal-postgresql',
      'temporal-ui',
    ]);
    expect(services.temporal!.environment!.DB).toMatch(/^postgres/);
    expect(services.temporal!.environment!.POSTGRES_SEEDS).toBe('temporal-postgresql');
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'Dockerfile'))).toBe(true);
  });

  for (const name of ['boomerang-worker', 'boomerang-http']) {
    it(`${name}: its environment is a valid config pointing at the compose services`, () => {
      const service = services[name]!;
      const env = service.environment!;
      for (const key of Object.keys(env))
        expect(Object.keys(ENVIRONMENT), `${key} is not a Boomerang variable`).toContain(key);
      const config = loadConfig(env);

      const temporal = temporalAddress(config).split(':');
      expect(services[temporal[0]!], 'TEMPORAL_ADDRESS names a service').toBeDefined();
      expect(temporal[1]).toBe('7233');

      const db = new URL(config.databaseUrl!);
      const pg = services[db.hostname]!;
      expect(pg.environment).toMatchObject({
        POSTGRES_USER: db.username,
        POSTGRES_PASSWORD: db.password,
        POSTGRES_DB: db.pathname.slice(1),
      });
      expect(service.command?.at(-1)).toMatch(
        name === 'boomerang-worker' ? /src\/worker\.ts$/ : /src\/http\/main\.ts$/,
      );
      expect(fs.existsSync(path.join(PROJECT_ROOT, service.command!.at(-1)!))).toBe(true);
    });
  }

  it('publishes the HTTP endpoint on its PORT and links the CLI to the published Web UI', () => {
    const http = services['boomerang-http']!;
    const config = loadConfig(http.environment!);
    expect(published(http)).toContainEqual([config.httpPort, config.httpPort]);
    // Reachable through the published port inside its container, published on the host's loopback.
    expect(config.httpHost).toBe('0.0.0.0');
    expect(http.ports).toEqual([`127.0.0.1:${config.httpPort}:${config.httpPort}`]);
    const uiPort = Number(new URL(config.temporal.uiUrl).port);
    expect(published(services['temporal-ui']!).map(([host]) => host)).toContain(uiPort);
  });
});
