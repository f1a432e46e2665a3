import { describe, expect, it } from 'vitest';
import { ConfigError, ENVIRONMENT, loadConfig, temporalAddress } from '../src/config.js';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { thrownProblems } from './support/problems.js';

const problemsOf = (env: NodeJS.ProcessEnv) => thrownProblems(ConfigError, () => loadConfig(env));

describe('config', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({ HOME: '/home/shop' });
    expect(config.httpPort).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(temporalAddress(config)).toBe('localhost:7233');
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.uiUrl).toBe('http://localhost:8233');
    expect(config.temporal.tls).toBe(false);
    expect(config.cacheDir).toBe('/home/shop/.cache/boomerang');
  });

  it('names every bad variable and what is wrong with it', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      EMBEDDED_POSTGRES_PORT: '70000',
      TEMPORAL_NAMESPACE: '',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'EMBEDDED_POSTGRES_PORT',
      'PORT',
      'TEMPORAL_NAMESPACE',
    ]);
    expect(problems.find((p) => p.variable === 'PORT')!.message).toMatch(/port number.*"eighty"/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*\n.*README/);
  });

  it('rejects a database URL that is not Postgres, and a certificate without its key', () => {
    expect(problemsOf({ DATABASE_URL: 'mysql://x@y/z' })).toEqual([
      { variable: 'DATABASE_URL', message: expect.stringMatching(/postgres:\/\//) },
    ]);
    expect(problemsOf({ TEMPORAL_TLS_CERT_PATH: '/c.pem' }).map((p) => p.variable)).toEqual([
      'TEMPORAL_TLS_KEY_PATH',
    ]);
    expect(problemsOf({ TEMPORAL_ADDRESS: 'temporal.example.com' }).map((p) => p.variable)).toEqual(
      ['TEMPORAL_ADDRESS'],
    );
  });

  it("reads Postgres's connect timeout as libpq does: the URL's connect_timeout, else PGCONNECT_TIMEOUT, else 10 s", () => {
    const url = 'postgres://shop@db.example:5432/boomerang';
    expect(loadConfig({}).databaseConnectTimeout).toEqual({
      seconds: 10,
      setting: 'PGCONNECT_TIMEOUT',
    });
    expect(loadConfig({ PGCONNECT_TIMEOUT: '2.5' }).databaseConnectTimeout.seconds).toBe(2.5);
    expect(
      loadConfig({ DATABASE_URL: `${url}?connect_timeout=3`, PGCONNECT_TIMEOUT: '20' })
        .databaseConnectTimeout,
    ).toEqual({ seconds: 3, setting: "DATABASE_URL's connect_timeout" });
    // 0 is libpq's "wait as long as it takes": environments set up for psql may have it.
    expect(loadConfig({ PGCONNECT_TIMEOUT: '0' }).databaseConnectTimeout.seconds).toBe(0);
    for (const bad of ['-1', 'soon'])
      expect(problemsOf({ PGCONNECT_TIMEOUT: bad })).toEqual([
        {
          variable: 'PGCONNECT_TIMEOUT',
          message: expect.stringContaining(`(got "${bad}")`),
        },
      ]);
    expect(problemsOf({ DATABASE_URL: `${url}?connect_timeout=-5` })).toEqual([
      {
        variable: 'DATABASE_URL',
        message:
          'its connect_timeout must be a number of seconds, or 0 to wait as long as it takes (got "-5")',
      },
    ]);
  });

  it('turns on TLS for Temporal Cloud API keys and client certificates', () => {
    expect(
      loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_ADDRESS: 'ns.a1b2.tmprl.cloud:7233' }).temporal
        .tls,
    ).toEqual(expect.any(Object));
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual(expect.any(Object));
    expect(problemsOf({ TEMPORAL_TLS: 'maybe' }).map((p) => p.variable)).toEqual(['TEMPORAL_TLS']);
  });

  it('reads the provider limits, refuses a batch over 100 and the retired MESSAGES_PER_SECOND by name', () => {
    const config = loadConfig({ EMAIL_REQUESTS_PER_SECOND: '5', EMAIL_BATCH_SIZE: '50' });
    expect(config.email).toMatchObject({ requestsPerSecond: 5, batchSize: 50 });
    expect(loadConfig({}).email).toMatchObject({ requestsPerSecond: 2, batchSize: 100 });
    expect(problemsOf({ EMAIL_BATCH_SIZE: '101' }).map((p) => p.variable)).toEqual([
      'EMAIL_BATCH_SIZE',
    ]);
    expect(problemsOf({ SMS_REQUESTS_PER_SECOND: '0' }).map((p) => p.variable)).toEqual([
      'SMS_REQUESTS_PER_SECOND',
    ]);
    const retired = problemsOf({ MESSAGES_PER_SECOND: '10' });
    expect(retired.map((p) => p.variable)).toEqual(['MESSAGES_PER_SECOND']);
    expect(retired[0]!.message).toContain('EMAIL_REQUESTS_PER_SECOND');
  });

  it('documents every variable in the README configuration table', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const name of Object.keys(ENVIRONMENT))
      expect(readme, `README must document ${name}`).toContain(`| \`${name}\``);
  });
});
