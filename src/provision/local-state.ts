/**
 * What `npm start` keeps under its data directory for the local stack, readable by its owner only:
 *
 *   secrets.json  keys generated once when the environment does not set them (API key, signing
 *                 secret, operator key) and the embedded Postgres passwords; kept across restarts
 *                 so issued unsubscribe links and the operator's sign-in stay valid.
 *   stack.json    where the running stack answers (database URL with its credentials, Temporal
 *                 address), so the CLI finds it without DATABASE_URL / TEMPORAL_ADDRESS; written
 *                 when the stack is up and removed when it stops.
 *   temporal.pid, temporal-server.pid, temporal-ui.pid
 *                 a Temporal server's pid and its supervisor's, so a server left running by a
 *                 supervisor killed outright is stopped at the next start.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { PlainFailure } from '../main-helpers.js';
import { say } from '../supervisor.js';

export const SECRETS_FILE = 'secrets.json';
export const STACK_FILE = 'stack.json';

/** Owner only: the directory and the files `npm start` writes in it. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

export interface LocalSecrets {
  BOOMERANG_API_KEY: string;
  BOOMERANG_SIGNING_SECRET: string;
  BOOMERANG_OPERATOR_KEY: string;
  /** The embedded Postgres superuser's, used only to provision. */
  POSTGRES_SUPERUSER_PASSWORD: string;
  /** The application role's, in every database URL the stack hands out. */
  POSTGRES_APP_PASSWORD: string;
}

/** Creates the data directory, or narrows an existing one, to its owner. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await fs.chmod(dir, PRIVATE_DIR_MODE);
}

async function writePrivate(file: string, text: string): Promise<void> {
  await fs.writeFile(file, text, { mode: PRIVATE_FILE_MODE });
  // writeFile's mode applies only to a new file: an older one may still be world-readable.
  await fs.chmod(file, PRIVATE_FILE_MODE);
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${file} is not valid JSON; fix it, or remove it to generate new keys`);
  }
}

/** A secret secrets.json keeps: a string that is not empty. */
function keptSecret(stored: Record<string, unknown>, key: keyof LocalSecrets): string | undefined {
  const value = stored[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The secrets of the local stack: those the environment sets win, the others are read from
 * secrets.json or generated once and written there.
 */
export async function localSecrets(config: Config): Promise<LocalSecrets> {
  const file = path.join(config.dataDir, SECRETS_FILE);
  const stored = (await readJson(file)) ?? {};
  const kept = (key: keyof LocalSecrets) => keptSecret(stored, key);
  const secret = () => randomBytes(32).toString('base64url');
  const secrets: LocalSecrets = {
    BOOMERANG_API_KEY:
      config.apiKey ?? kept('BOOMERANG_API_KEY') ?? `bmr_${randomBytes(24).toString('base64url')}`,
    BOOMERANG_SIGNING_SECRET: config.signingSecret ?? kept('BOOMERANG_SIGNING_SECRET') ?? secret(),
    BOOMERANG_OPERATOR_KEY:
      config.operatorKey ??
      kept('BOOMERANG_OPERATOR_KEY') ??
      `bmr_op_${randomBytes(24).toString('base64url')}`,
    POSTGRES_SUPERUSER_PASSWORD: kept('POSTGRES_SUPERUSER_PASSWORD') ?? secret(),
    POSTGRES_APP_PASSWORD: kept('POSTGRES_APP_PASSWORD') ?? secret(),
  };
  const changed = (Object.keys(secrets) as (keyof LocalSecrets)[]).some(
    (k) => secrets[k] !== stored[k],
  );
  if (changed) await writePrivate(file, `${JSON.stringify({ ...stored, ...secrets }, null, 2)}\n`);
  else await fs.chmod(file, PRIVATE_FILE_MODE);
  return secrets;
}

export interface StackState {
  /** The supervisor's pid: a file left by one that died is ignored. */
  pid: number;
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  httpUrl: string;
  /** BOOMERANG_PUBLIC_URL as the stack's worker has it: the base of its unsubscribe links. */
  publicUrl?: string;
}

export async function writeStackState(dataDir: string, state: StackState): Promise<void> {
  await writePrivate(path.join(dataDir, STACK_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeStackState(dataDir: string): Promise<void> {
  await fs.rm(path.join(dataDir, STACK_FILE), { force: true });
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but runs as another user (e.g. the `postgres` user when we run as root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running stack's addresses, if an `npm start` on this data directory is up. */
export function readStackState(dataDir: string): StackState | undefined {
  let state: Partial<StackState> | undefined;
  try {
    state = JSON.parse(readFileSync(path.join(dataDir, STACK_FILE), 'utf8')) as Partial<StackState>;
  } catch {
    return undefined;
  }
  if (
    !state ||
    typeof state.pid !== 'number' ||
    typeof state.databaseUrl !== 'string' ||
    typeof state.temporalAddress !== 'string' ||
    !isAlive(state.pid)
  )
    return undefined;
  return state as StackState;
}

/** The signing secret `npm start` keeps in secrets.json, if it is there. */
function keptSigningSecret(dataDir: string): string | undefined {
  try {
    const stored = JSON.parse(readFileSync(path.join(dataDir, SECRETS_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    return keptSecret(stored, 'BOOMERANG_SIGNING_SECRET');
  } catch {
    return undefined;
  }
}

/**
 * The configuration with the running stack's database, Temporal and Web UI filled in where the
 * environment leaves them unset (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_UI_URL / TEMPORAL_UI_PORT);
 * on the stack's own database, also its signing secret and public URL (BOOMERANG_SIGNING_SECRET,
 * BOOMERANG_PUBLIC_URL / PORT), so previews and test sends carry the unsubscribe links its worker
 * would write.
 */
export function withRunningStack(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
  if (config.databaseUrl && config.temporal.address) return config;
  const state = readStackState(config.dataDir);
  if (!state) return config;
  const uiFromEnvironment = Boolean(env.TEMPORAL_UI_URL || env.TEMPORAL_UI_PORT);
  const stackDatabase = !config.databaseUrl;
  const publicUrlFromEnvironment = Boolean(env.BOOMERANG_PUBLIC_URL || env.PORT);
  return {
    ...config,
    ...(stackDatabase
      ? {
          signingSecret: config.signingSecret ?? keptSigningSecret(config.dataDir),
          publicUrl:
            publicUrlFromEnvironment || typeof state.publicUrl !== 'string'
              ? config.publicUrl
              : state.publicUrl,
        }
      : {}),
    databaseUrl: config.databaseUrl ?? state.databaseUrl,
    temporal: {
      ...config.temporal,
      address: config.temporal.address ?? state.temporalAddress,
      uiUrl:
        uiFromEnvironment || typeof state.temporalUiUrl !== 'string'
          ? config.temporal.uiUrl
          : state.temporalUiUrl,
    },
  };
}

/** Records a server the supervisor started: its pid and the supervisor's (see reapLeftover). */
export async function writeServerPidFile(pidFile: string, serverPid: number): Promise<void> {
  await fs.writeFile(pidFile, `${serverPid} ${process.pid}`, { mode: PRIVATE_FILE_MODE });
}

/**
 * A server left running by a supervisor that was killed outright would hold the ports: stop it.
 * One whose supervisor is alive belongs to a running `npm start`: never touch it. `pidFile` holds
 * the server's pid and its supervisor's; `marker` is a part of the server's command line.
 */
export async function reapLeftover(pidFile: string, marker: string): Promise<void> {
  const [serverPid, supervisorPid] = (await fs.readFile(pidFile, 'utf8').catch(() => ''))
    .split(/\s+/)
    .map(Number);
  if (!serverPid) return;
  if (supervisorPid && supervisorPid !== process.pid && isAlive(supervisorPid)) {
    throw new PlainFailure(
      `another \`npm start\` (pid ${supervisorPid}) is running on this data directory; stop it first (Ctrl-C in its terminal), or set BOOMERANG_DATA_DIR.`,
    );
  }
  const cmdline = await fs.readFile(`/proc/${serverPid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes(marker)) {
    say(`stopping a Temporal server left over from an earlier run (pid ${serverPid})`);
    process.kill(serverPid, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(serverPid); i++) await new Promise((r) => setTimeout(r, 200));
  }
  await fs.rm(pidFile, { force: true });
}
