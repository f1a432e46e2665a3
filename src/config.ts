/**
 * One validated configuration object, read from the environment once and passed down.
 * Every variable has a default that runs the whole stack locally; each can point at real
 * infrastructure instead (Temporal Cloud, a managed Postgres).
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** The one task queue every Boomerang worker polls. Keep it here, not repeated in files. */
export const DEFAULT_TASK_QUEUE = 'boomerang';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/**
 * The environment variables Boomerang reads, their defaults and meaning.
 * The README's configuration table is generated from the same descriptions (see test/config.test.ts).
 */
export const ENVIRONMENT = {
  TEMPORAL_ADDRESS: { schema: optionalString, describe: 'Temporal frontend host:port. Unset: `npm start` runs a dev server on localhost:7233.' },
  TEMPORAL_NAMESPACE: { schema: z.string().min(1, 'must not be empty').default('default'), describe: 'Temporal namespace.' },
  TEMPORAL_TASK_QUEUE: { schema: z.string().min(1, 'must not be empty').default(DEFAULT_TASK_QUEUE), describe: 'Task queue the worker polls and clients start workflows on.' },
  TEMPORAL_TLS: { schema: booleanFlag.default(false), describe: 'Connect to Temporal over TLS (implied by an API key or client certificate).' },
  TEMPORAL_TLS_CERT_PATH: { schema: optionalString, describe: 'mTLS client certificate (PEM file) for Temporal Cloud.' },
  TEMPORAL_TLS_KEY_PATH: { schema: optionalString, describe: 'mTLS client private key (PEM file).' },
  TEMPORAL_TLS_CA_PATH: { schema: optionalString, describe: 'CA certificate (PEM file) for a self-hosted Temporal with TLS.' },
  TEMPORAL_TLS_SERVER_NAME: { schema: optionalString, describe: 'TLS server name override.' },
  TEMPORAL_API_KEY: { schema: optionalString, describe: 'Temporal Cloud API key (sent as a bearer token, with TLS).' },
  TEMPORAL_UI_URL: { schema: optionalString, describe: 'Base URL of the Temporal Web UI, for links printed by the CLI. Default http://localhost:8233.' },
  TEMPORAL_DEV_SERVER_PORT: { schema: port.default(7233), describe: '`npm start` only: port of the embedded Temporal dev server.' },
  TEMPORAL_UI_PORT: { schema: port.default(8233), describe: '`npm start` only: port of the dev server\'s Web UI.' },
  DATABASE_URL: { schema: optionalString, describe: 'Postgres connection string. Unset: an embedded Postgres with its data under `.data/postgres`.' },
  EMBEDDED_POSTGRES_PORT: { schema: port.default(5488), describe: 'Port of the embedded Postgres when DATABASE_URL is unset.' },
  PORT: { schema: port.default(3000), describe: 'HTTP endpoint port (`/healthz`, `/readyz`, events, webhooks).' },
  BOOMERANG_DATA_DIR: { schema: optionalString, describe: 'Where `npm start` keeps its state (Temporal SQLite, embedded Postgres). Default `.data/` in the project.' },
  BOOMERANG_CACHE_DIR: { schema: optionalString, describe: 'Cache of provisioned tools (Temporal CLI, test server), shared by every clone. Default `$XDG_CACHE_HOME/boomerang` or `~/.cache/boomerang`.' },
  TEMPORAL_CLI_PATH: { schema: optionalString, describe: 'Use this `temporal` CLI binary instead of provisioning one.' },
  TEMPORAL_TEST_SERVER_PATH: { schema: optionalString, describe: 'Use this time-skipping test server binary instead of provisioning one.' },
} as const;

type EnvKey = keyof typeof ENVIRONMENT;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nFix these environment variables (see the configuration table in README.md) and start again.',
    );
    this.name = 'ConfigError';
  }
}

export interface TemporalConfig {
  /** undefined means "run the embedded dev server" (npm start) or localhost:7233 for a plain client. */
  address: string | undefined;
  namespace: string;
  taskQueue: string;
  tls:
    | false
    | {
        clientCertPath?: string;
        clientKeyPath?: string;
        serverRootCACertificatePath?: string;
        serverNameOverride?: string;
      };
  apiKey: string | undefined;
  uiUrl: string;
  devServerPort: number;
  uiPort: number;
}

export interface Config {
  temporal: TemporalConfig;
  databaseUrl: string | undefined;
  embeddedPostgresPort: number;
  httpPort: number;
  dataDir: string;
  cacheDir: string;
  tools: { temporalCliPath: string | undefined; testServerPath: string | undefined };
}

/** The project's root: two levels above this file (src/config.ts). */
export const PROJECT_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BOOMERANG_CACHE_DIR) return path.resolve(env.BOOMERANG_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'boomerang');
}

/** Reads and validates the environment. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Partial<Record<EnvKey, unknown>> = {};
  const problems: { variable: string; message: string }[] = [];
  for (const [key, spec] of Object.entries(ENVIRONMENT) as [EnvKey, (typeof ENVIRONMENT)[EnvKey]][]) {
    const parsed = (spec.schema as z.ZodType).safeParse(env[key]);
    if (parsed.success) values[key] = parsed.data;
    else
      problems.push({
        variable: key,
        message: `${parsed.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(env[key])})`,
      });
  }

  const v = values as { [K in EnvKey]: z.infer<(typeof ENVIRONMENT)[K]['schema']> };
  if (problems.length === 0) {
    if (v.DATABASE_URL && !/^postgres(ql)?:\/\//.test(v.DATABASE_URL))
      problems.push({ variable: 'DATABASE_URL', message: 'must be a postgres:// or postgresql:// URL' });
    if (Boolean(v.TEMPORAL_TLS_CERT_PATH) !== Boolean(v.TEMPORAL_TLS_KEY_PATH))
      problems.push({
        variable: v.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH',
        message: 'a client certificate and its key go together: set both or neither',
      });
    if (v.TEMPORAL_ADDRESS && !/^[^\s:]+:\d+$/.test(v.TEMPORAL_ADDRESS))
      problems.push({ variable: 'TEMPORAL_ADDRESS', message: `must be host:port (got ${JSON.stringify(v.TEMPORAL_ADDRESS)})` });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const useTls = v.TEMPORAL_TLS || Boolean(v.TEMPORAL_API_KEY) || Boolean(v.TEMPORAL_TLS_CERT_PATH);
  return {
    temporal: {
      address: v.TEMPORAL_ADDRESS,
      namespace: v.TEMPORAL_NAMESPACE,
      taskQueue: v.TEMPORAL_TASK_QUEUE,
      tls: useTls
        ? {
            clientCertPath: v.TEMPORAL_TLS_CERT_PATH,
            clientKeyPath: v.TEMPORAL_TLS_KEY_PATH,
            serverRootCACertificatePath: v.TEMPORAL_TLS_CA_PATH,
            serverNameOverride: v.TEMPORAL_TLS_SERVER_NAME,
          }
        : false,
      apiKey: v.TEMPORAL_API_KEY,
      uiUrl: (v.TEMPORAL_UI_URL ?? `http://localhost:${v.TEMPORAL_UI_PORT}`).replace(/\/$/, ''),
      devServerPort: v.TEMPORAL_DEV_SERVER_PORT,
      uiPort: v.TEMPORAL_UI_PORT,
    },
    databaseUrl: v.DATABASE_URL,
    embeddedPostgresPort: v.EMBEDDED_POSTGRES_PORT,
    httpPort: v.PORT,
    dataDir: path.resolve(v.BOOMERANG_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')),
    cacheDir: defaultCacheDir(env),
    tools: { temporalCliPath: v.TEMPORAL_CLI_PATH, testServerPath: v.TEMPORAL_TEST_SERVER_PATH },
  };
}

/** The address a client should dial: the configured one, or the local dev server. */
export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `localhost:${config.temporal.devServerPort}`;
}
