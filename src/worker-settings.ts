import type { Duration } from '@temporalio/common';
import type { LogLevel } from '@temporalio/worker';
import { msToNumber } from '@temporalio/common/lib/time';
import { taskQueueFrom } from './shared/task-queue';
import { LOG_LEVELS } from './temporal/runtime-logging';

/**
 * Worker settings that are Phoenix's own (Temporal's connection settings are read
 * by src/temporal/connection.ts). Read once at start-up and validated, so a typo
 * stops the worker with the variable's name instead of surfacing as odd behaviour.
 */
export interface WorkerSettings {
  taskQueue: string;
  /** How long in-flight activities may finish after a shutdown signal before they are cancelled. */
  shutdownGraceTime: Duration;
  /** Hard limit after which the worker gives up on a clean shutdown and the process exits. */
  shutdownForceTime: Duration;
  /** SDK log level (PHOENIX_LOG_LEVEL), INFO by default. */
  logLevel: LogLevel;
  /**
   * host:port for the Prometheus exporter of the Temporal runtime's metrics (PHOENIX_METRICS_ADDRESS,
   * e.g. 0.0.0.0:9464); no exporter when unset.
   */
  metricsAddress?: string;
  /** Workflow runs kept in the worker's sticky cache (PHOENIX_MAX_CACHED_WORKFLOWS); DEFAULT_MAX_CACHED_WORKFLOWS when unset. */
  maxCachedWorkflows?: number;
}

/**
 * The SDK sizes its sticky cache from the V8 heap limit (about 2,300 runs with Node's default
 * heap on a 24 GiB host), far more runs than Phoenix has in progress at once: a fleet's children
 * (the per-node limit times the nodes), the fleet run and a clone lock per source. A run that
 * leaves the cache is replayed from its history on its next task, which costs CPU, not
 * correctness. 200 holds every run of 3 nodes at 16 guests each with room to spare, and keeps
 * the worker's memory from following the fleet's size (BENCHMARKS.md, scale).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 200;

/**
 * 30 s lets short steps (an API call, a config write) finish instead of being
 * retried; long waits on Proxmox tasks or guest jobs are cancelled and resume from
 * their heartbeat on the next worker, so waiting longer gains nothing.
 * The force time is a backstop for activities that ignore cancellation
 * (sdk-typescript#2266: shutdown otherwise waits forever); it must exceed the grace.
 */
export const DEFAULT_SHUTDOWN_GRACE = '30 seconds';
export const DEFAULT_SHUTDOWN_FORCE = '45 seconds';

export class WorkerSettingsError extends Error {
  override name = 'WorkerSettingsError';
}

export function workerSettingsFrom(env: Readonly<Record<string, string | undefined>>): WorkerSettings {
  const grace = durationFrom(env, 'PHOENIX_SHUTDOWN_GRACE', DEFAULT_SHUTDOWN_GRACE);
  const force = durationFrom(env, 'PHOENIX_SHUTDOWN_FORCE', DEFAULT_SHUTDOWN_FORCE);
  if (msToNumber(force) <= msToNumber(grace)) {
    throw new WorkerSettingsError(
      `PHOENIX_SHUTDOWN_FORCE (${String(force)}) must be longer than PHOENIX_SHUTDOWN_GRACE (${String(grace)})`,
    );
  }
  const metricsAddress = metricsAddressFrom(env);
  const maxCachedWorkflows = positiveIntegerFrom(env, 'PHOENIX_MAX_CACHED_WORKFLOWS');
  return {
    taskQueue: taskQueueFrom(env),
    shutdownGraceTime: grace,
    shutdownForceTime: force,
    logLevel: logLevelFrom(env),
    ...(metricsAddress ? { metricsAddress } : {}),
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
  };
}

function positiveIntegerFrom(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 2) throw new WorkerSettingsError(`${name} must be a whole number of at least 2, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function metricsAddressFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const raw = env.PHOENIX_METRICS_ADDRESS?.trim();
  if (!raw) return undefined;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new WorkerSettingsError(`PHOENIX_METRICS_ADDRESS must be host:port such as "0.0.0.0:9464", got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function logLevelFrom(env: Readonly<Record<string, string | undefined>>): LogLevel {
  const raw = env.PHOENIX_LOG_LEVEL?.trim();
  if (!raw) return 'INFO';
  const level = LOG_LEVELS.find((candidate) => candidate === raw.toUpperCase());
  if (!level) throw new WorkerSettingsError(`PHOENIX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  return level;
}

/** Accepts what Temporal accepts: milliseconds ("5000") or an ms-style string ("30s", "2 minutes"). */
function durationFrom(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string): Duration {
  const raw = env[name]?.trim();
  if (!raw) return fallback as Duration;
  const value: Duration = /^\d+$/.test(raw) ? Number(raw) : (raw as Duration);
  let millis: number;
  try {
    millis = msToNumber(value);
  } catch {
    throw new WorkerSettingsError(`${name} must be a duration such as "30s" or "5000" (milliseconds), got ${JSON.stringify(raw)}`);
  }
  if (millis < 0) throw new WorkerSettingsError(`${name} must not be negative, got ${JSON.stringify(raw)}`);
  return value;
}
