/**
 * Docker cannot run on the CI machines, so the production topology is checked statically here: its
 * services exist, images are pinned to what the tests run and nothing deprecated is used, and the
 * environment of Boomerang's containers is a complete config that reaches the services it names.
 * test/e2e/production-server.test.ts runs the worker and HTTP containers' commands for real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertReadyToStart,
  type Config,
  ENVIRONMENT,
  loadConfig,
  PROJECT_ROOT,
  temporalAddress,
} from '../src/config.js';
import { APPLICATION_ROLE, APPLICATION_ROLE_SQL_FILE } from '../src/db/admin.js';
import { BOOMERANG_SEARCH_ATTRIBUTES } from '../src/domain/search-attributes.js';
import { parse as parseYaml } from 'yaml';
import {
  DYNAMIC_CONFIG,
  TEMPORAL_SERVER_VERSION,
  UI_SERVER_VERSION,
} from '../src/provision/temporal-server.js';
import {
  COMPOSE_FILE,
  type ComposeService,
  composeServices,
  INIT_SCRIPT,
  mountedFile,
  TEST_COMPOSE_SECRETS,
} from './support/compose.js';

const services = composeServices(TEST_COMPOSE_SECRETS);
// Without its comments, which may name what is avoided.
const text = fs
  .readFileSync(COMPOSE_FILE, 'utf8')
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n');
/** [host port, container port] of each published port (`[ip:]host:container`). */
const published = (s: ComposeService) =>
  (s.ports ?? []).map((p) => p.split(':').slice(-2).map(Number) as [number, number]);

describe('docker-compose.yml', () => {
  it("describes Temporal on Postgres, its set-up, the Web UI, Boomerang's Postgres, worker and HTTP", () => {
    expect(Object.keys(services).sort()).toEqual([
      'boomerang-http',
      'boomerang-postgres',
      'boomerang-worker',
      'temporal',
      'temporal-namespace',
      'temporal-postgresql',
      'temporal-schema',
      'temporal-ui',
    ]);
    expect(services.temporal!.environment!.DB).toBe('postgres12');
    expect(services.temporal!.environment!.POSTGRES_SEEDS).toBe('temporal-postgresql');
    expect(services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'Dockerfile'))).toBe(true);
  });

  it('runs the Temporal release the tests run, set up with temporal-sql-tool and the temporal CLI, nothing deprecated', () => {
    expect(services.temporal!.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(services['temporal-schema']!.image).toBe(
      `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
    );
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${UI_SERVER_VERSION}`);
    expect(text).not.toMatch(/auto-setup|\btctl\b/);
    const schema = String(services['temporal-schema']!.command);
    expect(schema).toContain('update-schema --schema-name postgresql/v12/temporal');
    expect(schema).toContain('update-schema --schema-name postgresql/v12/visibility');
    const namespace = String(services['temporal-namespace']!.command);
    expect(namespace).toContain('temporal operator namespace create');
    for (const key of BOOMERANG_SEARCH_ATTRIBUTES)
      expect(namespace, `${key.name} is created`).toContain(key.name);
  });

  it("gives Temporal the production server's dynamic config, eager workflow start included", () => {
    const temporal = services.temporal!;
    const mount = (temporal.volumes ?? []).find((v) => v.includes('dynamicconfig'))!;
    const [hostFile, containerFile] = mount.split(':');
    expect(containerFile).toBe(
      `/etc/temporal/config/${String(temporal.environment!.DYNAMIC_CONFIG_FILE_PATH).replace(/^config\//, '')}`,
    );
    const fromFile: unknown = parseYaml(
      fs.readFileSync(path.join(PROJECT_ROOT, hostFile!), 'utf8'),
    );
    expect(fromFile).toEqual(DYNAMIC_CONFIG);
    expect(DYNAMIC_CONFIG['system.enableEagerWorkflowStart'][0]!.value).toBe(true);
  });

  it('refuses to start without the secrets of .env, naming each', () => {
    expect(() => composeServices({})).toThrow(/TEMPORAL_DB_PASSWORD/);
    for (const name of Object.keys(TEST_COMPOSE_SECRETS)) {
      expect(fs.readFileSync(path.join(PROJECT_ROOT, '.env.example'), 'utf8')).toContain(
        `${name}=`,
      );
      expect(() => composeServices({ ...TEST_COMPOSE_SECRETS, [name]: '' })).toThrow(
        new RegExp(`${name} is missing`),
      );
    }
  });

  for (const [name, process] of [
    ['boomerang-worker', 'worker'],
    ['boomerang-http', 'http'],
  ] as const) {
    it(`${name}: its environment is a complete config pointing at the compose services`, () => {
      const service = services[name]!;
      const env = service.environment!;
      for (const key of Object.keys(env))
        expect(Object.keys(ENVIRONMENT), `${key} is not a Boomerang variable`).toContain(key);
      const config = loadConfig(env);
      expect(() => assertReadyToStart(process, config)).not.toThrow();

      const temporal = temporalAddress(config).split(':');
      expect(services[temporal[0]!], 'TEMPORAL_ADDRESS names a service').toBeDefined();
      expect(temporal[1]).toBe('7233');

      // The application's role, which the init script makes, not the superuser.
      const db = new URL(config.databaseUrl!);
      const pg = services[db.hostname]!;
      expect(pg.environment).toMatchObject({
        BOOMERANG_APP_DB_USER: db.username,
        BOOMERANG_APP_DB_PASSWORD: db.password,
        POSTGRES_DB: db.pathname.slice(1),
      });
      expect(db.username).toBe(APPLICATION_ROLE);
      expect(db.username).not.toBe(pg.environment!.POSTGRES_USER);
      expect(db.password).not.toBe(pg.environment!.POSTGRES_PASSWORD);
      const command = service.command as string[];
      expect(command.at(-1)).toMatch(
        name === 'boomerang-worker' ? /src\/worker\.ts$/ : /src\/http\/main\.ts$/,
      );
      expect(fs.existsSync(path.join(PROJECT_ROOT, command.at(-1)!))).toBe(true);
    });
  }

  it("makes the application's role on Postgres's first start, with the statements of `npm start`", () => {
    const postgres = services['boomerang-postgres']!;
    const initScripts = (postgres.volumes ?? [])
      .map((volume) => volume.split(':')[1]!)
      .filter((file) => file.startsWith('/docker-entrypoint-initdb.d/'));
    expect(initScripts).toHaveLength(1);
    expect(mountedFile(postgres, initScripts[0]!)).toBe(INIT_SCRIPT);
    // Executable, so the image runs it rather than sourcing it into its own shell.
    expect(fs.statSync(INIT_SCRIPT).mode & 0o111).not.toBe(0);
    expect(mountedFile(postgres, postgres.environment!.BOOMERANG_APP_ROLE_SQL!)).toBe(
      APPLICATION_ROLE_SQL_FILE,
    );
    // Kept apart: the superuser's password provisions, the application's reaches the containers.
    expect(postgres.environment!.POSTGRES_PASSWORD).toBe(
      TEST_COMPOSE_SECRETS.BOOMERANG_DB_PASSWORD,
    );
    expect(postgres.environment!.BOOMERANG_APP_DB_PASSWORD).toBe(
      TEST_COMPOSE_SECRETS.BOOMERANG_APP_DB_PASSWORD,
    );
  });

  it('gives the worker and the endpoint the same signing secret', () => {
    expect(services['boomerang-worker']!.environment!.BOOMERANG_SIGNING_SECRET).toBe(
      services['boomerang-http']!.environment!.BOOMERANG_SIGNING_SECRET,
    );
  });

  it('gives the worker and the endpoint the payload encryption key of .env, when it has one', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const withKey = composeServices({ ...TEST_COMPOSE_SECRETS, PAYLOAD_ENCRYPTION_KEY: key });
    for (const name of ['boomerang-worker', 'boomerang-http'])
      expect(loadConfig(withKey[name]!.environment!).payloadEncryptionKey?.toString('base64')).toBe(
        key,
      );
    expect(
      loadConfig(services['boomerang-http']!.environment!).payloadEncryptionKey,
    ).toBeUndefined();
  });

  it("publishes every port on the host's loopback only", () => {
    const ports = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it("takes Resend's delivery feedback with the webhook secret of .env, when it has one", () => {
    const withSecret = composeServices({
      ...TEST_COMPOSE_SECRETS,
      RESEND_WEBHOOK_SECRET: 'whsec_x',
    });
    expect(
      loadConfig(withSecret['boomerang-http']!.environment!).providerFeedback.resendWebhookSecret,
    ).toBe('whsec_x');
  });

  it("gives the worker and the endpoint the shop's settings of .env, and the defaults without them", () => {
    const settings = (config: Config) => ({
      shop: config.shop,
      sms: config.sms,
      frequencyCap: config.frequencyCap,
      sendHours: config.sendHours,
    });
    const defaults = settings(loadConfig({ DATABASE_URL: 'postgres://x@localhost/x' }));
    for (const name of ['boomerang-worker', 'boomerang-http'])
      expect(settings(loadConfig(services[name]!.environment!))).toEqual(defaults);

    const shop = composeServices({
      ...TEST_COMPOSE_SECRETS,
      SHOP_NAME: 'Tienda',
      SHOP_TIMEZONE: 'Europe/Madrid',
      SHOP_CURRENCY: 'USD',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_FROM: '+34600000000',
      FREQUENCY_CAP: '3 per 7 days',
      SMS_SEND_HOURS: '10:00-19:00',
      EMAIL_SEND_HOURS: '08:00-21:00',
    });
    for (const name of ['boomerang-worker', 'boomerang-http']) {
      const config = loadConfig(shop[name]!.environment!);
      expect(config.shop).toMatchObject({
        name: 'Tienda',
        timezone: 'Europe/Madrid',
        currency: 'USD',
      });
      expect(config.sms.provider).toBe('twilio');
      expect(config.frequencyCap).toEqual({ messages: 3, periodHours: 168 });
      expect(config.sendHours.sms).toMatchObject({ from: '10:00', to: '19:00' });
      expect(config.sendHours.email).toMatchObject({ from: '08:00', to: '21:00' });
    }
  });

  it("opens the endpoint's operator pages with the operator key of .env", () => {
    const config = loadConfig(services['boomerang-http']!.environment!);
    expect(config.operatorKey).toBe(TEST_COMPOSE_SECRETS.BOOMERANG_OPERATOR_KEY);
  });

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
