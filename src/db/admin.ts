/**
 * Server-level statements (databases, not tables), for provisioning. Apart from the embedded
 * Postgres module because that one installs signal handlers on import.
 */
import pg from 'pg';

/** Creates a database unless it exists. Names are quoted; only [a-z0-9_] are accepted. */
export async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  template?: string,
): Promise<boolean> {
  for (const n of [name, template]) {
    if (n !== undefined && !/^[a-z_][a-z0-9_]*$/.test(n))
      throw new Error(`Invalid database name ${JSON.stringify(n)}`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
    return true;
  } finally {
    await client.end();
  }
}
