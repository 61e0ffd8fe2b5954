import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Sets how chatty the Temporal SDK is in this process: the TS side (worker state
 * changes, activity and workflow logs) and the Rust core. Must run before the
 * first Worker or NativeConnection is created, because those install the Runtime
 * with its defaults (INFO) on first use.
 *
 * phoenix-worker reads `PHOENIX_LOG_LEVEL`; tests pass WARN so their output shows
 * what failed rather than every worker state change.
 */
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function installRuntimeLogging(level: LogLevel, options: { prometheusAddress?: string } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'WARN' } },
      // The runtime's own metrics (workflow/activity task latencies, poll counts, failures),
      // served for Prometheus at http://<address>/metrics.
      ...(options.prometheusAddress ? { metrics: { prometheus: { bindAddress: options.prometheusAddress } } } : {}),
    },
  });
}
