/**
 * One validated configuration object, read from the environment once and passed down.
 * Every variable has a default that runs the whole stack locally; each can point at real
 * infrastructure instead (Temporal Cloud, a managed Postgres).
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type ConnectTimeout, DEFAULT_CONNECT_TIMEOUT } from './db/connect-timeout.js';
import { WEEKDAYS } from './domain/contact-window.js';
import type { SendHours } from './domain/messages/pressure.js';

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

/** PGCONNECT_TIMEOUT and DATABASE_URL's connect_timeout; 0 waits as long as it takes, as in libpq. */
const connectTimeoutSeconds = z.coerce
  .number({ error: 'must be a number of seconds' })
  .nonnegative('must be a number of seconds, or 0 to wait as long as it takes')
  // A longer timer fires at once in Node.js.
  .max(2_147_483, 'must be at most 2147483 seconds (the longest timer Node.js sets)');

/** "HH:MM-HH:MM" (a window within one day) or "any". */
const sendHoursText = z
  .string()
  .transform((v) => v.trim())
  .refine((v) => {
    if (v === 'any' || v === '') return true;
    const m = /^(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/.exec(v);
    return Boolean(m && HH_MM.test(m[1]!) && HH_MM.test(m[2]!) && m[1]! < m[2]!);
  }, 'must be `any` or hours such as `09:00-20:00` (from before to, within one day)');
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/**
 * The environment variables Boomerang reads, their defaults and meaning.
 * The README's configuration table is generated from the same descriptions (see test/config.test.ts).
 */
export const ENVIRONMENT = {
  TEMPORAL_ADDRESS: {
    schema: optionalString,
    describe:
      'Temporal frontend host:port. Unset: `npm start` runs a dev server on localhost:7233.',
  },
  TEMPORAL_NAMESPACE: {
    schema: z.string().min(1, 'must not be empty').default('default'),
    describe: 'Temporal namespace.',
  },
  TEMPORAL_TASK_QUEUE: {
    schema: z.string().min(1, 'must not be empty').default(DEFAULT_TASK_QUEUE),
    describe: 'Task queue the worker polls and clients start workflows on.',
  },
  TEMPORAL_TLS: {
    schema: booleanFlag.default(false),
    describe: 'Connect to Temporal over TLS (implied by an API key or client certificate).',
  },
  TEMPORAL_TLS_CERT_PATH: {
    schema: optionalString,
    describe: 'mTLS client certificate (PEM file) for Temporal Cloud.',
  },
  TEMPORAL_TLS_KEY_PATH: {
    schema: optionalString,
    describe: 'mTLS client private key (PEM file).',
  },
  TEMPORAL_TLS_CA_PATH: {
    schema: optionalString,
    describe: 'CA certificate (PEM file) for a self-hosted Temporal with TLS.',
  },
  TEMPORAL_TLS_SERVER_NAME: { schema: optionalString, describe: 'TLS server name override.' },
  TEMPORAL_API_KEY: {
    schema: optionalString,
    describe: 'Temporal Cloud API key (sent as a bearer token, with TLS).',
  },
  TEMPORAL_UI_URL: {
    schema: optionalString,
    describe:
      'Base URL of the Temporal Web UI, for links printed by the CLI. Default http://localhost:8233.',
  },
  TEMPORAL_DEV_SERVER_PORT: {
    schema: port.default(7233),
    describe:
      "`npm start` only: port of the embedded Temporal dev server, or of the production server's frontend with `--temporal server`.",
  },
  TEMPORAL_HISTORY_SHARDS: {
    schema: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(16384, 'must be at most 16384')
      .optional(),
    describe:
      '`npm start -- --temporal server` only: history shards of a new Temporal database (default 4; see Sizing). Fixed once the database is set up: another value is refused.',
  },
  TEMPORAL_UI_PORT: {
    schema: port.default(8233),
    describe:
      "`npm start` only: port of the Temporal Web UI (the dev server's, or the standalone UI server's).",
  },
  DATABASE_URL: {
    schema: optionalString,
    describe:
      'Postgres connection string. Unset: an embedded Postgres with its data under `.data/postgres`.',
  },
  PGCONNECT_TIMEOUT: {
    schema: connectTimeoutSeconds.default(DEFAULT_CONNECT_TIMEOUT.seconds),
    describe:
      "Seconds a new Postgres connection may take to be set up (TCP connect, TLS, startup, authentication) before the attempt fails, as libpq's variable of that name; a `connect_timeout` parameter in DATABASE_URL wins over it. A query's wait for a free pooled connection under load is not limited by it.",
  },
  EMBEDDED_POSTGRES_PORT: {
    schema: port.default(5488),
    describe: 'Port of the embedded Postgres when DATABASE_URL is unset.',
  },
  PORT: {
    schema: port.default(3000),
    describe: 'HTTP endpoint port (`/healthz`, `/readyz`, events, webhooks).',
  },
  HOST: {
    schema: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    describe:
      'Interface the HTTP endpoint listens on. Default 127.0.0.1 (this machine only); `0.0.0.0` or `::` for every interface.',
  },
  BOOMERANG_DATA_DIR: {
    schema: optionalString,
    describe:
      'Where `npm start` keeps its state (Temporal SQLite, embedded Postgres, stack.json); the CLI and `npm run worker` find the running stack there. Default `.data/` in the project.',
  },
  BOOMERANG_CACHE_DIR: {
    schema: optionalString,
    describe:
      'Cache of provisioned tools (Temporal CLI, test server), shared by every clone. Default `$XDG_CACHE_HOME/boomerang` or `~/.cache/boomerang`.',
  },
  BOOMERANG_PUBLIC_URL: {
    schema: optionalString,
    describe:
      'Public base URL of the HTTP endpoint, used in unsubscribe links. Default http://localhost:$PORT.',
  },
  BOOMERANG_API_KEY: {
    schema: optionalString,
    describe:
      'Bearer key the store sends to `POST /events`. `npm start` generates one under `.data/` when unset.',
  },
  BOOMERANG_SIGNING_SECRET: {
    schema: optionalString,
    describe:
      'Secret that signs unsubscribe tokens. `npm start` generates one under `.data/` when unset.',
  },
  BOOMERANG_OPERATOR_KEY: {
    schema: optionalString,
    describe:
      'Key of the operator pages and APIs (`/dashboard`, `/api/report`, `/metrics`, `/codec`): Basic auth password or Bearer token. `npm start` generates one under `.data/` when unset.',
  },
  METRICS_PUBLIC: {
    schema: booleanFlag.default(false),
    describe: '`true` serves `/metrics` without credentials (for a scraper on a private network).',
  },
  UNSUBSCRIBE_LINK_DAYS: {
    schema: z.coerce
      .number({ error: 'must be a number of days' })
      .int('must be a whole number of days')
      .positive('must be positive')
      .default(365),
    describe: 'Days an unsubscribe link stays valid after its email was sent.',
  },
  EVENT_CLOCK_TOLERANCE_SECONDS: {
    schema: z.coerce
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number of seconds')
      .min(0, 'must not be negative')
      .default(300),
    describe:
      "How far the times of the store's events may be ahead of their receipt (the store's clock may run ahead); a later time is refused with 400.",
  },
  SHOPIFY_WEBHOOK_SECRET: {
    schema: optionalString,
    describe: 'Shopify app secret: verifies `X-Shopify-Hmac-Sha256` of `/webhooks/shopify`.',
  },
  PAYLOAD_ENCRYPTION_KEY: {
    schema: optionalString,
    describe:
      'Base64 32-byte AES-GCM key that encrypts contact data in workflow histories. Unset: payloads are not encrypted.',
  },
  SHOP_NAME: {
    schema: optionalString,
    describe: 'Shop name in messages. Default: the display name of EMAIL_FROM.',
  },
  SHOP_URL: {
    schema: optionalString.pipe(
      z.string().url('must be an http(s) URL such as https://shop.example').optional(),
    ),
    describe:
      'The shop\'s website: the "shop now" links of campaign emails (tagged with UTM parameters).',
  },
  SHOP_TIMEZONE: {
    schema: z
      .string()
      .default('UTC')
      .refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid'),
    describe: 'Time zone of contact windows for contacts without one of their own.',
  },
  SHOP_CURRENCY: {
    schema: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
      .default('EUR'),
    describe: 'Currency of amounts (CLV, revenue) when an order does not say.',
  },
  EMAIL_PROVIDER: {
    schema: z.enum(['outbox', 'resend'], { error: 'must be outbox or resend' }).default('outbox'),
    describe:
      '`outbox` keeps rendered emails in the `messages` table; `resend` sends them with Resend.',
  },
  EMAIL_FROM: {
    schema: z.string().min(3).default('Boomerang Shop <shop@example.com>'),
    describe: 'From address of campaign emails.',
  },
  RESEND_API_KEY: {
    schema: optionalString,
    describe: 'Resend API key (required with EMAIL_PROVIDER=resend).',
  },
  SMS_PROVIDER: {
    schema: z.enum(['outbox', 'twilio'], { error: 'must be outbox or twilio' }).default('outbox'),
    describe: '`outbox` keeps SMS in the `messages` table; `twilio` sends them with Twilio.',
  },
  TWILIO_ACCOUNT_SID: {
    schema: optionalString,
    describe: 'Twilio account SID (required with SMS_PROVIDER=twilio).',
  },
  TWILIO_AUTH_TOKEN: {
    schema: optionalString,
    describe: 'Twilio auth token (required with SMS_PROVIDER=twilio).',
  },
  TWILIO_FROM: {
    schema: optionalString,
    describe:
      'Twilio sender: an E.164 number or a messaging service SID (required with SMS_PROVIDER=twilio).',
  },
  EMAIL_REQUESTS_PER_SECOND: {
    schema: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(2),
    describe:
      "Email provider's request rate limit (Resend: 2 per second by default, per team), shared by every worker; each request carries up to EMAIL_BATCH_SIZE emails.",
  },
  EMAIL_BATCH_SIZE: {
    schema: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be between 1 and 100')
      .max(100, 'must be between 1 and 100 (the most Resend takes in one batch)')
      .default(100),
    describe:
      'Emails per provider request (Resend `POST /emails/batch`); 1 sends each email in its own request.',
  },
  EMAIL_BATCH_LEASE_SECONDS: {
    schema: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(60),
    describe:
      'How long a worker owns a batch it is sending; a batch unanswered by then (its worker died) is sent again by any worker, under the same idempotency key.',
  },
  SMS_REQUESTS_PER_SECOND: {
    schema: z.coerce.number({ error: 'must be a number' }).positive('must be positive').default(10),
    describe: "SMS provider's request rate limit (one SMS per request), shared by every worker.",
  },
  RESEND_BASE_URL: {
    schema: optionalString.pipe(
      z.string().url('must be an http(s) URL such as http://127.0.0.1:4010').optional(),
    ),
    describe:
      'Where Resend requests go. Default https://api.resend.com; the provider simulator (`npm run simulator`) for tests.',
  },
  TWILIO_BASE_URL: {
    schema: optionalString.pipe(
      z.string().url('must be an http(s) URL such as http://127.0.0.1:4010').optional(),
    ),
    describe:
      'Where Twilio requests go. Default https://api.twilio.com; or the provider simulator.',
  },
  RESEND_WEBHOOK_SECRET: {
    schema: optionalString,
    describe:
      'Signing secret (`whsec_…`) of the Resend webhook: verifies the Svix signature of `/webhooks/resend`. Unset: that route answers 503.',
  },
  SOFT_BOUNCE_LIMIT: {
    schema: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .positive('must be positive')
      .default(3),
    describe:
      'Soft (transient) bounces of an address within SOFT_BOUNCE_WINDOW_DAYS that suppress it for marketing email.',
  },
  SOFT_BOUNCE_WINDOW_DAYS: {
    schema: z.coerce
      .number({ error: 'must be a number of days' })
      .positive('must be positive')
      .default(30),
    describe: 'The window, in days, over which SOFT_BOUNCE_LIMIT soft bounces are counted.',
  },
  COMPLAINT_RATE_WARNING_PERCENT: {
    schema: z.coerce
      .number({ error: 'must be a percentage such as 0.1' })
      .positive('must be positive')
      .max(100, 'must be at most 100')
      .default(0.1),
    describe:
      "A campaign's spam complaints per email sent, in percent, above which the report and dashboard warn. Default 0.1: Gmail's and Yahoo's bulk-sender rules (under 0.1%, never 0.3%).",
  },
  BOUNCE_RATE_WARNING_PERCENT: {
    schema: z.coerce
      .number({ error: 'must be a percentage such as 4' })
      .positive('must be positive')
      .max(100, 'must be at most 100')
      .default(4),
    describe:
      "A campaign's hard bounces per email sent, in percent, above which the report and dashboard warn. Default 4: Resend's account limit.",
  },
  FREQUENCY_CAP: {
    schema: optionalString.pipe(
      z
        .string()
        .regex(/^\d+\s*(per|\/)\s*\d+\s*(hours?|days?|h|d)$/, 'must look like "3 per 7 days"')
        .optional(),
    ),
    describe:
      'Shop-wide cap on marketing messages per contact, e.g. `3 per 7 days`. Unset: no cap.',
  },
  SMS_SEND_HOURS: {
    schema: sendHoursText.default('09:00-20:00'),
    describe:
      "Hours when SMS may go out, every day, in the contact's time zone (else SHOP_TIMEZONE); outside them a send waits or is dropped, as its campaign's `quietHours` says. `any`: no quiet hours.",
  },
  EMAIL_SEND_HOURS: {
    schema: sendHoursText.default('any'),
    describe: 'Hours when emails may go out, as SMS_SEND_HOURS (e.g. `08:00-21:00`).',
  },
  RECOMPUTE_CRON: {
    schema: z
      .string()
      .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression')
      .default('0 1 * * *'),
    describe: 'When the daily indicator recompute runs (cron, UTC).',
  },
  BOOMERANG_WORKER_VERSIONING: {
    schema: z
      .enum(['off', 'pinned', 'auto-upgrade'], {
        error: 'must be off, pinned or auto-upgrade',
      })
      .default('off'),
    describe:
      'Worker Versioning: `pinned` keeps each workflow on the worker version it started on, `auto-upgrade` moves running ones to the current version; `off` polls unversioned. See "Deploying new code".',
  },
  BOOMERANG_DEPLOYMENT_NAME: {
    schema: z.string().min(1, 'must not be empty').default('boomerang'),
    describe: 'Worker deployment name under Worker Versioning.',
  },
  BOOMERANG_BUILD_ID: {
    schema: optionalString,
    describe:
      "The worker's version (build id) under Worker Versioning. Unset: `wf-` and a hash of the workflow bundle, so only a workflow code change makes a new version.",
  },
  TEMPORAL_CLI_PATH: {
    schema: optionalString,
    describe: 'Use this `temporal` CLI binary instead of provisioning one.',
  },
  TEMPORAL_SERVER_PATH: {
    schema: optionalString,
    describe:
      '`npm start -- --temporal server`: use this Temporal server binary (with TEMPORAL_SQL_TOOL_PATH) instead of building one.',
  },
  TEMPORAL_SQL_TOOL_PATH: {
    schema: optionalString,
    describe: 'The `temporal-sql-tool` binary of the same release as TEMPORAL_SERVER_PATH.',
  },
  TEMPORAL_UI_SERVER_PATH: {
    schema: optionalString,
    describe:
      '`npm start -- --temporal server`: use this Temporal UI server binary instead of building one.',
  },
  TEMPORAL_TEST_SERVER_PATH: {
    schema: optionalString,
    describe: 'Use this time-skipping test server binary instead of provisioning one.',
  },
} as const;

type EnvKey = keyof typeof ENVIRONMENT;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

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
  /** History shards for a new Temporal database of `--temporal server`; unset, the default. */
  historyShards: number | undefined;
  uiPort: number;
}

export interface Config {
  temporal: TemporalConfig;
  databaseUrl: string | undefined;
  /** DATABASE_URL's connect_timeout, else PGCONNECT_TIMEOUT (as libpq reads them). */
  databaseConnectTimeout: ConnectTimeout;
  embeddedPostgresPort: number;
  httpPort: number;
  /** Interface the HTTP endpoint listens on. */
  httpHost: string;
  dataDir: string;
  cacheDir: string;
  tools: {
    temporalCliPath: string | undefined;
    testServerPath: string | undefined;
    temporalServerPath: string | undefined;
    temporalSqlToolPath: string | undefined;
    temporalUiServerPath: string | undefined;
  };
  publicUrl: string;
  apiKey: string | undefined;
  signingSecret: string | undefined;
  /** Credential of the operator routes; undefined refuses them all. */
  operatorKey: string | undefined;
  metricsPublic: boolean;
  unsubscribeLinkDays: number;
  /** EVENT_CLOCK_TOLERANCE_SECONDS */
  eventClockToleranceSeconds: number;
  shopifyWebhookSecret: string | undefined;
  payloadEncryptionKey: Buffer | undefined;
  shop: { name: string | undefined; url: string | undefined; timezone: string; currency: string };
  email: {
    provider: 'outbox' | 'resend';
    from: string;
    resendApiKey: string | undefined;
    resendBaseUrl?: string | undefined;
    /** The provider's request rate, shared by every worker. */
    requestsPerSecond: number;
    /** Emails per request (1 = the single-email endpoint). */
    batchSize: number;
    /** How long a sender owns a batch before another may send it again (same key). */
    batchLeaseMs?: number;
  };
  sms: {
    provider: 'outbox' | 'twilio';
    twilio: { accountSid: string; authToken: string; from: string } | undefined;
    twilioBaseUrl?: string | undefined;
    requestsPerSecond: number;
  };
  /** What the providers say after accepting a message (webhooks /webhooks/resend and /webhooks/twilio). */
  providerFeedback: {
    /** Verifies Resend's (Svix) signatures; undefined refuses the route. */
    resendWebhookSecret: string | undefined;
    /** Verifies X-Twilio-Signature (TWILIO_AUTH_TOKEN); undefined refuses the route. */
    twilioAuthToken: string | undefined;
    /** Soft bounces that suppress an address: `limit` within `windowDays`. */
    softBounces: { limit: number; windowDays: number };
  };
  /** Email bounce and complaint rates (fractions: 0.04 = 4%) above which the report warns. */
  deliverability: { bounceRate: number; complaintRate: number };
  /** Shop-wide cap on marketing messages per contact; undefined = no cap. */
  frequencyCap: { messages: number; periodHours: number } | undefined;
  /** Per channel, when its messages may go out (outside: quiet hours); absent = any time. */
  sendHours: Partial<Record<string, SendHours>>;
  recomputeCron: string;
  /** Worker Versioning (worker deployments); off unless BOOMERANG_WORKER_VERSIONING is set. */
  workerVersioning: {
    mode: 'off' | 'pinned' | 'auto-upgrade';
    deploymentName: string;
    /** undefined: derived from the workflow bundle (see workerVersion in src/worker.ts). */
    buildId: string | undefined;
  };
}

function parseSendHours(text: string): SendHours | undefined {
  const m = /^(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/.exec(text);
  return m ? { days: [...WEEKDAYS], from: m[1]!, to: m[2]! } : undefined;
}

function parseFrequencyCap(text: string | undefined): Config['frequencyCap'] {
  const m = text && /^(\d+)\s*(?:per|\/)\s*(\d+)\s*(hours?|days?|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return { messages: Number(m[1]), periodHours: Number(m[2]) * (m[3]!.startsWith('d') ? 24 : 1) };
}

/** The connect_timeout parameter of a postgres:// URL, which wins over PGCONNECT_TIMEOUT in libpq. */
function connectTimeoutParameter(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('connect_timeout') ?? undefined;
  } catch {
    // Nothing to read in it; pg refuses such a URL when it connects.
    return undefined;
  }
}

/** The project's root: two levels above this file (src/config.ts). */
export const PROJECT_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BOOMERANG_CACHE_DIR) return path.resolve(env.BOOMERANG_CACHE_DIR);
  const base = env.XDG_CACHE_HOME
    ? env.XDG_CACHE_HOME
    : path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'boomerang');
}

/** Reads and validates the environment. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Partial<Record<EnvKey, unknown>> = {};
  const problems: { variable: string; message: string }[] = [];
  for (const [key, spec] of Object.entries(ENVIRONMENT) as [
    EnvKey,
    (typeof ENVIRONMENT)[EnvKey],
  ][]) {
    const parsed = (spec.schema as z.ZodType).safeParse(env[key]);
    if (parsed.success) values[key] = parsed.data;
    else
      problems.push({
        variable: key,
        message: `${parsed.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(env[key])})`,
      });
  }

  const v = values as { [K in EnvKey]: z.infer<(typeof ENVIRONMENT)[K]['schema']> };
  // Its meaning changed with batched sends (one request carries up to 100 emails): say so, not ignore it.
  if (env.MESSAGES_PER_SECOND !== undefined && env.MESSAGES_PER_SECOND !== '')
    problems.push({
      variable: 'MESSAGES_PER_SECOND',
      message:
        'is no longer read: set EMAIL_REQUESTS_PER_SECOND (provider requests per second, each up to EMAIL_BATCH_SIZE emails) and SMS_REQUESTS_PER_SECOND instead',
    });
  let databaseConnectTimeout: ConnectTimeout = {
    seconds: v.PGCONNECT_TIMEOUT,
    setting: 'PGCONNECT_TIMEOUT',
  };
  if (problems.length === 0) {
    if (v.DATABASE_URL && !/^postgres(ql)?:\/\//.test(v.DATABASE_URL))
      problems.push({
        variable: 'DATABASE_URL',
        message: 'must be a postgres:// or postgresql:// URL',
      });
    const urlTimeout = connectTimeoutParameter(v.DATABASE_URL);
    if (urlTimeout !== undefined) {
      const parsed = connectTimeoutSeconds.safeParse(urlTimeout);
      if (parsed.success)
        databaseConnectTimeout = {
          seconds: parsed.data,
          setting: "DATABASE_URL's connect_timeout",
        };
      else
        problems.push({
          variable: 'DATABASE_URL',
          message: `its connect_timeout ${parsed.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(urlTimeout)})`,
        });
    }
    if (Boolean(v.TEMPORAL_TLS_CERT_PATH) !== Boolean(v.TEMPORAL_TLS_KEY_PATH))
      problems.push({
        variable: v.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH',
        message: 'a client certificate and its key go together: set both or neither',
      });
    if (v.EMAIL_PROVIDER === 'resend' && !v.RESEND_API_KEY)
      problems.push({
        variable: 'RESEND_API_KEY',
        message: 'is required with EMAIL_PROVIDER=resend',
      });
    if (v.SMS_PROVIDER === 'twilio')
      for (const key of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const)
        if (!v[key])
          problems.push({ variable: key, message: 'is required with SMS_PROVIDER=twilio' });
    if (v.PAYLOAD_ENCRYPTION_KEY && Buffer.from(v.PAYLOAD_ENCRYPTION_KEY, 'base64').length !== 32)
      problems.push({
        variable: 'PAYLOAD_ENCRYPTION_KEY',
        message: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
      });
    if (v.TEMPORAL_ADDRESS && !/^[^\s:]+:\d+$/.test(v.TEMPORAL_ADDRESS))
      problems.push({
        variable: 'TEMPORAL_ADDRESS',
        message: `must be host:port (got ${JSON.stringify(v.TEMPORAL_ADDRESS)})`,
      });
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
      historyShards: v.TEMPORAL_HISTORY_SHARDS,
      uiPort: v.TEMPORAL_UI_PORT,
    },
    databaseUrl: v.DATABASE_URL,
    databaseConnectTimeout,
    embeddedPostgresPort: v.EMBEDDED_POSTGRES_PORT,
    httpPort: v.PORT,
    httpHost: v.HOST,
    dataDir: path.resolve(v.BOOMERANG_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')),
    cacheDir: defaultCacheDir(env),
    tools: {
      temporalCliPath: v.TEMPORAL_CLI_PATH,
      testServerPath: v.TEMPORAL_TEST_SERVER_PATH,
      temporalServerPath: v.TEMPORAL_SERVER_PATH,
      temporalSqlToolPath: v.TEMPORAL_SQL_TOOL_PATH,
      temporalUiServerPath: v.TEMPORAL_UI_SERVER_PATH,
    },
    publicUrl: (v.BOOMERANG_PUBLIC_URL ?? `http://localhost:${v.PORT}`).replace(/\/$/, ''),
    apiKey: v.BOOMERANG_API_KEY,
    signingSecret: v.BOOMERANG_SIGNING_SECRET,
    operatorKey: v.BOOMERANG_OPERATOR_KEY,
    metricsPublic: v.METRICS_PUBLIC,
    unsubscribeLinkDays: v.UNSUBSCRIBE_LINK_DAYS,
    eventClockToleranceSeconds: v.EVENT_CLOCK_TOLERANCE_SECONDS,
    shopifyWebhookSecret: v.SHOPIFY_WEBHOOK_SECRET,
    payloadEncryptionKey: v.PAYLOAD_ENCRYPTION_KEY
      ? Buffer.from(v.PAYLOAD_ENCRYPTION_KEY, 'base64')
      : undefined,
    shop: {
      name: v.SHOP_NAME,
      url: v.SHOP_URL,
      timezone: v.SHOP_TIMEZONE,
      currency: v.SHOP_CURRENCY,
    },
    email: {
      provider: v.EMAIL_PROVIDER,
      from: v.EMAIL_FROM,
      resendApiKey: v.RESEND_API_KEY,
      resendBaseUrl: v.RESEND_BASE_URL,
      requestsPerSecond: v.EMAIL_REQUESTS_PER_SECOND,
      batchSize: v.EMAIL_BATCH_SIZE,
      batchLeaseMs: v.EMAIL_BATCH_LEASE_SECONDS * 1000,
    },
    sms: {
      provider: v.SMS_PROVIDER,
      twilioBaseUrl: v.TWILIO_BASE_URL,
      requestsPerSecond: v.SMS_REQUESTS_PER_SECOND,
      twilio:
        v.TWILIO_ACCOUNT_SID && v.TWILIO_AUTH_TOKEN && v.TWILIO_FROM
          ? {
              accountSid: v.TWILIO_ACCOUNT_SID,
              authToken: v.TWILIO_AUTH_TOKEN,
              from: v.TWILIO_FROM,
            }
          : undefined,
    },
    providerFeedback: {
      resendWebhookSecret: v.RESEND_WEBHOOK_SECRET,
      twilioAuthToken: v.TWILIO_AUTH_TOKEN,
      softBounces: { limit: v.SOFT_BOUNCE_LIMIT, windowDays: v.SOFT_BOUNCE_WINDOW_DAYS },
    },
    deliverability: {
      bounceRate: v.BOUNCE_RATE_WARNING_PERCENT / 100,
      complaintRate: v.COMPLAINT_RATE_WARNING_PERCENT / 100,
    },
    frequencyCap: parseFrequencyCap(v.FREQUENCY_CAP),
    sendHours: {
      ...(parseSendHours(v.SMS_SEND_HOURS) ? { sms: parseSendHours(v.SMS_SEND_HOURS) } : {}),
      ...(parseSendHours(v.EMAIL_SEND_HOURS) ? { email: parseSendHours(v.EMAIL_SEND_HOURS) } : {}),
    },
    recomputeCron: v.RECOMPUTE_CRON,
    workerVersioning: {
      mode: v.BOOMERANG_WORKER_VERSIONING,
      deploymentName: v.BOOMERANG_DEPLOYMENT_NAME,
      buildId: v.BOOMERANG_BUILD_ID,
    },
  };
}

/**
 * Settings a process cannot do its work without, although the config is valid without them (the
 * CLI needs none of them). Checked when the process starts, not when a journey first needs them.
 */
const IS_SET = {
  DATABASE_URL: (c: Config) => Boolean(c.databaseUrl),
  BOOMERANG_SIGNING_SECRET: (c: Config) => Boolean(c.signingSecret),
  BOOMERANG_API_KEY: (c: Config) => Boolean(c.apiKey),
} satisfies Partial<Record<EnvKey, (config: Config) => boolean>>;

/** Which of those settings each process needs, and why (said when one is missing). */
const NEEDED_AT_START: Record<'worker' | 'http', [variable: keyof typeof IS_SET, why: string][]> = {
  worker: [
    ['DATABASE_URL', 'the worker keeps contacts, coupons and messages in Postgres'],
    [
      'BOOMERANG_SIGNING_SECRET',
      'marketing emails need an unsubscribe link, which is signed with it',
    ],
  ],
  http: [
    ['DATABASE_URL', 'the endpoint stores every event in Postgres before answering'],
    [
      'BOOMERANG_SIGNING_SECRET',
      'it verifies the unsubscribe links of the emails (the worker signs them with the same secret)',
    ],
    ['BOOMERANG_API_KEY', 'the store authenticates to POST /events with it'],
  ],
};

/** Refuses to start a process whose needed settings are missing, naming each variable. */
export function assertReadyToStart(process: 'worker' | 'http', config: Config): void {
  const problems = NEEDED_AT_START[process]
    .filter(([variable]) => !IS_SET[variable](config))
    .map(([variable, why]) => ({
      variable,
      message: `is not set, and the ${process} needs it: ${why} (\`npm start\` sets it for you)`,
    }));
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The address a client should dial: the configured one, or the local dev server. */
export function temporalAddress(config: Pick<Config, 'temporal'>): string {
  return config.temporal.address ?? `localhost:${config.temporal.devServerPort}`;
}

/** The Web UI page of one workflow execution. */
export function workflowUiUrl(config: Config, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
