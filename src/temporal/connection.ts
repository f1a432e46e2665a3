/** Temporal connections (client and worker) built from the validated config. */
import { readFile } from 'node:fs/promises';
import {
  Client,
  Connection,
  type ConnectionLike,
  type ConnectionOptions,
} from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { type Config, temporalAddress } from '../config.js';
import { PlainFailure } from '../main-helpers.js';
import { causeChain, withoutEmptyResolutionNote } from '../domain/errors.js';
import { dataConverterFor } from './codec.js';
import type { InFlightCalls } from './in-flight.js';

async function tlsOptions(config: Config): Promise<ConnectionOptions['tls']> {
  const tls = config.temporal.tls;
  if (!tls) return undefined;
  const read = (file: string | undefined, variable: string) =>
    file
      ? readFile(file).catch((err: Error) => {
          throw new Error(`${variable}: cannot read ${file}: ${err.message}`);
        })
      : Promise.resolve(undefined);
  const [crt, key, ca] = await Promise.all([
    read(tls.clientCertPath, 'TEMPORAL_TLS_CERT_PATH'),
    read(tls.clientKeyPath, 'TEMPORAL_TLS_KEY_PATH'),
    read(tls.serverRootCACertificatePath, 'TEMPORAL_TLS_CA_PATH'),
  ]);
  return {
    serverNameOverride: tls.serverNameOverride,
    serverRootCACertificate: ca,
    clientCertPair: crt && key ? { crt, key } : undefined,
  };
}

const CONNECT_TIMEOUT_SECONDS = 5;

/** Temporal did not answer a connection; its message says where, why, and what to set. */
export class TemporalUnreachableError extends PlainFailure {
  override name = 'TemporalUnreachableError';
}

/** gRPC's UNAVAILABLE: the server went away after the connection was made. */
const GRPC_UNAVAILABLE = 14;

/**
 * Whether `err` says Temporal does not answer: the connection could not be made, or a call on it
 * found the server gone (UNAVAILABLE, on the error or its cause).
 */
export function isTemporalUnreachable(err: unknown): boolean {
  if (err instanceof TemporalUnreachableError) return true;
  for (const e of causeChain(err, 3))
    if ((e as { code?: unknown }).code === GRPC_UNAVAILABLE) return true;
  return false;
}

/**
 * Temporal's address, why it did not answer and what to change, in one line (as Postgres's, in
 * main-helpers.ts); `npm start` only where the address is the local dev server's default.
 */
function unreachableTemporal(config: Config, err: unknown): TemporalUnreachableError {
  const message = err instanceof Error ? err.message : String(err);
  // The client's gRPC and the worker's Rust core word the same failures differently.
  const why = /ConnectionRefused|Connection refused/.test(message)
    ? 'connection refused'
    : /dns error|lookup address information/.test(message)
      ? 'no such host'
      : /before the deadline/.test(message)
        ? `no answer within ${CONNECT_TIMEOUT_SECONDS} s`
        : withoutEmptyResolutionNote(message.split('\n')[0]!);
  const advice = config.temporal.address
    ? 'set TEMPORAL_ADDRESS to a Temporal server that is running'
    : 'start the stack with `npm start`, or set TEMPORAL_ADDRESS to a Temporal server that is running';
  return new TemporalUnreachableError(
    `cannot reach Temporal at ${temporalAddress(config)} (${why}): ${advice}`,
  );
}

/** `inFlight`: track the calls, so that a short-lived process can settle them before closing. */
export async function connectClient(
  config: Config,
  opts: { inFlight?: InFlightCalls } = {},
): Promise<Client> {
  const address = temporalAddress(config);
  const tls = await tlsOptions(config);
  let connection: Connection | undefined;
  try {
    connection = Connection.lazy({
      address,
      tls,
      apiKey: config.temporal.apiKey,
      connectTimeout: `${CONNECT_TIMEOUT_SECONDS}s`,
      interceptors: opts.inFlight?.interceptors(),
    });
    await connection.ensureConnected();
    return clientOn(connection, config);
  } catch (err) {
    // Not Connection.connect: it never closes the channel of a failed attempt, and callers that
    // retry (the HTTP endpoint, the worker's outage probe) would pile them up.
    await connection?.close().catch(() => {});
    throw unreachableTemporal(config, err);
  }
}

/** Boomerang's namespace and payload codec, over either kind of connection. */
function clientOn(connection: ConnectionLike, config: Config): Client {
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(config.payloadEncryptionKey),
  });
}

/**
 * A client on a worker's connection: what it starts on a task queue that connection's workers poll
 * may start eagerly (the first workflow task comes back with the start, no poll).
 */
export function clientOnWorkerConnection(connection: NativeConnection, config: Config): Client {
  return clientOn(connection, config);
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  const address = temporalAddress(config);
  const options: NativeConnectionOptions = {
    address,
    tls: (await tlsOptions(config)) ?? false,
    apiKey: config.temporal.apiKey,
  };
  try {
    return await NativeConnection.connect(options);
  } catch (err) {
    throw unreachableTemporal(config, err);
  }
}
