import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
// Types only: the worker package (its native core) is loaded by connectWorker alone, never by the CLI.
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';

/**
 * Where Phoenix finds Temporal, following Temporal's own conventions so one worker
 * and one client binary serve the dev server, a self-hosted cluster and Temporal
 * Cloud alike: the `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`,
 * `TEMPORAL_PROFILE`) overlaid with `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and `TEMPORAL_GRPC_META_*`, all read by
 * `@temporalio/envconfig`. An API key switches TLS on, as Temporal Cloud requires.
 */

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface TemporalTargetOverrides {
  /** host:port of the frontend; wins over the environment (tests, the demo). */
  address?: string;
  /** Namespace; wins over the environment. */
  namespace?: string;
  /** Environment to read instead of `process.env` (tests). */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** Options shared by `Connection` and `NativeConnection`: address, TLS, API key, metadata. */
  connectionOptions: NativeConnectionOptions;
}

export function resolveTemporalTarget(overrides: TemporalTargetOverrides = {}): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: definedOnly(overrides.env ?? process.env),
  });
  const address = overrides.address ?? connectionOptions.address ?? DEFAULT_ADDRESS;
  return {
    address,
    namespace: overrides.namespace ?? namespace ?? DEFAULT_NAMESPACE,
    connectionOptions: { ...connectionOptions, address },
  };
}

/**
 * A one-line description safe to log: it says whether TLS and an API key are in
 * use, never what they are.
 */
export function describeTarget(target: TemporalTarget): string {
  const { tls, apiKey } = target.connectionOptions;
  const security = [tls ? 'TLS' : 'plaintext', ...(apiKey ? ['API key'] : [])].join(', ');
  return `${target.address} namespace=${target.namespace} (${security})`;
}

/**
 * A workflow client for phoenix-client, the demo and tests. Close with `client.connection.close()`.
 * `connectTimeoutMs` bounds the first connection (the SDK's default is 10 s).
 */
export async function connectClient(overrides: TemporalTargetOverrides & { connectTimeoutMs?: number } = {}): Promise<Client> {
  const target = resolveTemporalTarget(overrides);
  const connection = await Connection.connect({
    ...target.connectionOptions,
    ...(overrides.connectTimeoutMs ? { connectTimeout: overrides.connectTimeoutMs } : {}),
  });
  return new Client({ connection, namespace: target.namespace });
}

/** The native (Rust core) connection a Worker polls through. Close with `connection.close()`. */
export async function connectWorker(
  overrides: TemporalTargetOverrides = {},
): Promise<{ connection: NativeConnection; target: TemporalTarget }> {
  const target = resolveTemporalTarget(overrides);
  const { NativeConnection } = await import('@temporalio/worker');
  const connection = await NativeConnection.connect(target.connectionOptions);
  return { connection, target };
}

// envconfig wants Record<string, string>; process.env's type allows undefined values.
function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
