/** `npm start` (src/start.ts) with services of its own on free ports, for the end-to-end tests. */
import { freePort } from '../global-setup.js';

export interface StartPorts {
  temporal: number;
  ui: number;
  pg: number;
  http: number;
}

/** Free ports for npm start's services; the Temporal port `temporal` when given. */
export async function freeStartPorts(temporal?: number): Promise<StartPorts> {
  return {
    temporal: temporal ?? (await freePort()),
    ui: await freePort(),
    pg: await freePort(),
    http: await freePort(),
  };
}

/**
 * npm start's environment on `ports`, with `dataDir`: its own Temporal and Postgres (no
 * DATABASE_URL or TEMPORAL_ADDRESS).
 */
export function startEnv(dataDir: string, ports: StartPorts) {
  return {
    BOOMERANG_DATA_DIR: dataDir,
    TEMPORAL_DEV_SERVER_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    PORT: String(ports.http),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
  };
}
