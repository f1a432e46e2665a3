// Placeholder: replaced by the real global setup (Postgres + Temporal test server provisioning).
export default async function setup(): Promise<void> {}
