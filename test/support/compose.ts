/**
 * docker-compose.yml as `docker compose` reads it: variables interpolated from a `.env`-like map
 * (`${X:?message}` required, `${X:-default}`, `$$` a literal dollar).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../src/config.js';

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: unknown;
}

export const COMPOSE_FILE = path.join(PROJECT_ROOT, 'docker-compose.yml');
/** boomerang-postgres's init script, which makes the application's role. */
export const INIT_SCRIPT = path.join(PROJECT_ROOT, 'deploy', 'boomerang-postgres-init.sh');

export function interpolate(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === '$$') return '$';
      const value = vars[name!];
      if (value) return value;
      if (op === '?') throw new Error(`required variable ${name} is missing: ${arg}`);
      return op === '-' ? (arg ?? '') : '';
    },
  );
}

/** The services with every string interpolated; throws like `docker compose` on a missing one. */
export function composeServices(
  vars: Record<string, string | undefined>,
): Record<string, ComposeService> {
  // Compose files use YAML 1.1 merge keys (`<<: *anchor`).
  const raw = parse(fs.readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return interpolate(value, vars);
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(raw.services) as Record<string, ComposeService>;
}

/** The file of this checkout that `service` mounts at `containerPath` (`./file:/path[:ro]`). */
export function mountedFile(service: ComposeService, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [host, container] = volume.split(':');
    if (container === containerPath && host?.startsWith('./')) return path.join(PROJECT_ROOT, host);
  }
  return undefined;
}

/** What a `.env` made from `.env.example` holds once filled in. */
export const TEST_COMPOSE_SECRETS = {
  TEMPORAL_DB_PASSWORD: 'temporal-pw',
  BOOMERANG_DB_PASSWORD: 'boomerang-pw',
  BOOMERANG_APP_DB_PASSWORD: 'boomerang-app-pw',
  BOOMERANG_SIGNING_SECRET: 'compose-signing-secret',
  BOOMERANG_API_KEY: 'compose-api-key',
  BOOMERANG_OPERATOR_KEY: 'compose-operator-key',
};
