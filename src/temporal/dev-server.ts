import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from './free-port';
import { findTemporalBinary } from './temporal-binary';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { waitUntilServing } from './dev-server-readiness';
import { OutputTail } from './output-tail';

/**
 * The one launcher of `temporal server start-dev` shared by the demo, the tests
 * and the benchmarks, so all of them meet the same server, configured the same way:
 * Phoenix's search attributes registered, the version check (a call home) off, and
 * readiness proven by real gRPC calls rather than a sleep.
 */

export type DevServerLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'never';

export interface DevServerOptions {
  /** Frontend gRPC port; 0 or unset picks a free one. */
  port?: number;
  /** Web UI port; unset means port + 1000 (the CLI's default), 0 picks a free one, false runs headless. */
  uiPort?: number | false;
  /** SQLite file to keep state across restarts; unset keeps everything in memory. */
  dbFile?: string;
  /** Namespace to create besides `default` (which always exists), and the one readiness checks. */
  namespace?: string;
  logLevel?: DevServerLogLevel;
  /** Interface to bind; loopback unless someone asks otherwise. */
  ip?: string;
  /** Forward the server's output lines to this process's stderr (the foreground CLI). */
  echoOutput?: boolean;
  /** Overall start-up deadline. A cold start of the v1.5.1 CLI takes 1-3 s on 2 cores. */
  startTimeoutMs?: number;
  /**
   * Register Phoenix's search attributes at start-up (default). Only tests of
   * ensurePhoenixSearchAttributes want a server without them.
   */
  searchAttributes?: boolean;
  /** Explicit binary; otherwise findTemporalBinary(). */
  binary?: string;
}

export interface DevServer {
  /** host:port of the gRPC frontend, for TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  /** Settles when the server process ends, however it ends. */
  exited: Promise<DevServerExit>;
  /** The last lines the server printed, for diagnosing failures. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after a bounded wait. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class DevServerStartError extends Error {
  constructor(message: string, readonly outputTail: string) {
    super(outputTail ? `${message}\n--- temporal server output (tail) ---\n${outputTail}` : message);
    this.name = 'DevServerStartError';
  }
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
// A free port found by findFreePort can be taken before the server binds it.
const MAX_PORT_RACE_RETRIES = 3;
/**
 * The CLI's dev server (1.29.1) now and then panics while it wires itself up, before it serves
 * anything (a nil pointer in its fx/dig construction; seen twice in some hundred CI start-ups):
 * one more start, with a line saying so. A second panic is reported as it is.
 */
const MAX_PANIC_RETRIES = 1;

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  let panics = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const portWasPicked = !options.port || options.uiPort === 0;
      if (portWasPicked && attempt < MAX_PORT_RACE_RETRIES && isAddressInUse(error)) continue;
      if (panics < MAX_PANIC_RETRIES && panickedDuringStartUp(error)) {
        panics++;
        process.stderr.write(`temporal dev server panicked during start-up (${firstPanicLine(error)}); starting it again\n`);
        continue;
      }
      throw error;
    }
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port || (await findFreePort(ip));
  const uiPort = await resolveUiPort(options.uiPort, port, ip);
  const binary = options.binary ?? findTemporalBinary();
  const address = `${ip}:${port}`;

  const child = spawn(binary, devServerArgs({ ...options, ip, namespace, port, uiPort }), {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail(options.echoOutput ? (line) => process.stderr.write(`[temporal] ${line}\n`) : undefined);
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));

  const exited = exitOf(child);
  // The server's own shutdown logs connection warnings that mean nothing to a person.
  const stop = stopper(child, exited, () => tail.stopEcho());
  // A test that crashes without calling stop() must not leave a server behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  // exitOf() only ever resolves; nothing waits for this clean-up.
  void exited.then(() => process.removeListener('exit', killOnExit));

  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new DevServerStartError(`could not run ${binary}: ${error.message}`, ''))),
  );
  const diedEarly = exited.then(({ code, signal }) => {
    throw new DevServerStartError(
      `temporal server start-dev exited during start-up (${signal ?? `exit code ${code}`})`,
      tail.text(),
    );
  });
  const stopPolling = new AbortController();
  try {
    await Promise.race([
      waitUntilServing({
        signal: stopPolling.signal,
        address,
        namespace,
        searchAttributes: options.searchAttributes === false ? [] : PHOENIX_SEARCH_ATTRIBUTES.map((key) => key.name),
        timeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      }),
      spawnFailed,
      diedEarly,
    ]);
  } catch (error) {
    await stop();
    if (error instanceof DevServerStartError) throw error;
    throw new DevServerStartError(`temporal dev server on ${address} did not become ready: ${String(error)}`, tail.text());
  } finally {
    stopPolling.abort();
    diedEarly.catch(() => undefined); // settled by the normal stop() later; nobody awaits it then
    spawnFailed.catch(() => undefined);
  }

  return {
    address,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    pid: child.pid!,
    exited,
    outputTail: () => tail.text(),
    stop,
  };
}

function devServerArgs(o: DevServerOptions & { ip: string; namespace: string; port: number; uiPort?: number }): string[] {
  const args = ['server', 'start-dev', '--ip', o.ip, '--port', String(o.port)];
  args.push('--log-format', 'text', '--log-level', o.logLevel ?? 'warn');
  // Belt and braces with TEMPORAL_VERSION_CHECK_DISABLED: no call home from offline machines.
  args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
  if (o.namespace !== 'default') args.push('--namespace', o.namespace);
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.searchAttributes !== false) {
    for (const key of PHOENIX_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  }
  return args;
}

async function resolveUiPort(uiPort: number | false | undefined, port: number, ip: string): Promise<number | undefined> {
  if (uiPort === false) return undefined;
  if (uiPort === 0) return findFreePort(ip);
  return uiPort ?? port + 1000;
}

function exitOf(child: ChildProcess): Promise<DevServerExit> {
  return new Promise((resolveExit) => {
    // 'close', not 'exit': it comes after the output pipes are drained, so the tail is complete.
    child.once('close', (code, signal) => resolveExit({ code, signal }));
    // 'exit' never fires when spawn itself failed (ENOENT, EACCES).
    child.once('error', () => {
      if (child.pid === undefined) resolveExit({ code: null, signal: null });
    });
  });
}

function stopper(child: ChildProcess, exited: Promise<unknown>, beforeStop: () => void): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      beforeStop();
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { ref: false })]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    })());
}

function panickedDuringStartUp(error: unknown): error is DevServerStartError {
  return error instanceof DevServerStartError && /exited during start-up/.test(error.message) && /^panic: /m.test(error.outputTail);
}

function firstPanicLine(error: DevServerStartError): string {
  return /^panic: .*$/m.exec(error.outputTail)![0].slice(0, 160);
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof DevServerStartError && /address already in use/i.test(error.message);
}
