/**
 * How `bin/phoenix-worker.js` starts the worker: under a V8 heap limit (PHOENIX_WORKER_HEAP_MB,
 * DEFAULT_WORKER_HEAP_MB when unset), a smaller young generation and two malloc arenas. Under Node's default limit (a quarter of the host's memory,
 * per isolate) V8 collects late, and the worker's resident memory follows the fleet's size with
 * garbage it would have collected under a smaller one (BENCHMARKS.md, "Scale"). The limit is a
 * command-line flag (V8 fixes the main heap's size when the process starts), so the bin starts
 * `node --max-old-space-size=N dist/worker.js` as its child and passes signals and the exit status
 * through. A process started with a heap limit of its own (`node --max-old-space-size=...`, or in
 * NODE_OPTIONS: the Dockerfile's entry point) runs the worker in itself, as does
 * PHOENIX_WORKER_HEAP_MB=default (Node's own limit).
 *
 * The flag is process-wide: the SDK's workflow thread gets the same old-space limit.
 *
 * This module loads nothing but Node's own modules: the parent stays a small process.
 */
import { spawn } from 'node:child_process';

/** MB of old space: the worker's live heap at 500 guests stays far below it (BENCHMARKS.md, "Scale"). */
export const DEFAULT_WORKER_HEAP_MB = 256;
const MIN_WORKER_HEAP_MB = 128;
const HEAP_FLAG = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;
/**
 * MB per semi-space of the young generation (V8 sizes it from the old space: 16 at 256). The
 * worker's young objects are short-lived task and activation data; a smaller nursery is scavenged
 * more often, for the same promoted volume, and holds less memory in each of the two isolates.
 */
export const WORKER_SEMI_SPACE_MB = 8;
const SEMI_SPACE_FLAG = /(^|\s)--max[-_]semi[-_]space[-_]size(=|\s|$)/;
/**
 * glibc's malloc keeps an arena per thread that allocates (up to 8 per core): the Temporal core's
 * threads, libuv's pool and V8's own each fragment their own. Two arenas hold the same data in
 * less resident memory; none of these threads is malloc-bound. An operator's value is kept.
 */
const MALLOC_ARENAS = '2';

/** Signals passed on to the worker; it shuts down gracefully on each (the SDK's handlers). */
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2', 'SIGHUP'];

/** Set in the child, so it knows a launcher waits for it (and exits when that launcher is gone). */
const LAUNCHED_MARK = 'PHOENIX_WORKER_LAUNCHED';

export class WorkerHeapSettingError extends Error {
  override name = 'WorkerHeapSettingError';
}

/** The heap limit in MB, or undefined for Node's default. */
export function workerHeapMbFrom(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env.PHOENIX_WORKER_HEAP_MB?.trim();
  if (!raw) return DEFAULT_WORKER_HEAP_MB;
  if (raw === 'default') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < MIN_WORKER_HEAP_MB) {
    throw new WorkerHeapSettingError(`PHOENIX_WORKER_HEAP_MB must be a whole number of MB of at least ${MIN_WORKER_HEAP_MB}, or "default" (Node's own limit), got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Whether this process was started with a heap limit of its own (flag or NODE_OPTIONS). */
export function hasOwnHeapLimit(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((a) => HEAP_FLAG.test(a)) || HEAP_FLAG.test(nodeOptions ?? '');
}

/** The child's node arguments: this process's own flags, the heap limits, the worker. */
export function workerChildArgs(heapMb: number, execArgv: readonly string[], nodeOptions: string | undefined, workerPath: string, args: readonly string[]): string[] {
  const semiSpace = execArgv.some((a) => SEMI_SPACE_FLAG.test(a)) || SEMI_SPACE_FLAG.test(nodeOptions ?? '') ? [] : [`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
  return [...execArgv, `--max-old-space-size=${heapMb}`, ...semiSpace, workerPath, ...args];
}

/** The child's environment: ours, the mark, and the allocator's arena limit unless one is set. */
export function workerChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: MALLOC_ARENAS, ...env, [LAUNCHED_MARK]: '1' };
}

export function launchWorker(env: NodeJS.ProcessEnv = process.env): void {
  let heapMb: number | undefined;
  try {
    heapMb = workerHeapMbFrom(env);
  } catch (err) {
    console.error(`phoenix-worker: ${(err as Error).message}`);
    process.exit(1);
  }
  if (heapMb === undefined || env[LAUNCHED_MARK] === '1' || hasOwnHeapLimit(process.execArgv, env.NODE_OPTIONS)) {
    require('./worker');
    return;
  }
  // Its own process group: a Ctrl-C at a terminal reaches the worker once, through us, not twice
  // (a second signal would end it without its graceful shutdown). The IPC channel tells it when
  // we are gone, however we went (a SIGKILL included), so it never outlives us.
  const child = spawn(process.execPath, workerChildArgs(heapMb, process.execArgv, env.NODE_OPTIONS, require.resolve('./worker'), process.argv.slice(2)), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: workerChildEnv(env),
    detached: true,
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    if (signal) process.kill(process.pid, signal); // the same end as the worker's
    else process.exit(code ?? 1);
  });
}

/** In the worker: when the launcher that started it is gone, end at once, as the launcher did. */
export function exitWithLauncher(env: NodeJS.ProcessEnv = process.env): void {
  if (env[LAUNCHED_MARK] !== '1' || !process.channel) return;
  process.channel.unref(); // the channel alone never keeps the worker running
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
