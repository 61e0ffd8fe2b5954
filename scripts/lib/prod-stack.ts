/**
 * Phoenix on the production topology, on this machine and without containers: PostgreSQL
 * (Debian's binaries, a throw-away cluster), the Temporal server from its own binary on it
 * (default and visibility stores), the Temporal Web UI server, phoenix-sim, and as many
 * `phoenix-worker` processes as a test starts, each running from the prebuilt workflow bundle.
 * Each part can be stopped, killed and started again on its own, as operators do.
 *
 * It runs what docker-compose.temporal.yml runs: the settings in deploy/temporal.env and
 * deploy/temporal-dynamicconfig.yaml, and the compose file's own schema and setup scripts,
 * verbatim (scripts/lib/deploy-settings.ts). Only addresses differ: every service binds a free
 * loopback port instead of the compose file's published ones. Binaries and schema files come
 * from scripts/install-temporal-server.sh (nothing is downloaded here).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fetch } from 'undici';
import type { DevServer, DevServerExit } from '../../src/temporal/dev-server';
import { waitUntilServing } from '../../src/temporal/dev-server-readiness';
import { findFreePort, isPortInUse } from '../../src/temporal/free-port';
import { OutputTail } from '../../src/temporal/output-tail';
import { findTemporalBinary } from '../../src/temporal/temporal-binary';
import { PHOENIX_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { composeScript, DYNAMIC_CONFIG_FILE, readDeploySettings, type DeploySettings } from './deploy-settings';
import {
  baseEnv, REPO, runCli, simAccess, startSim, startWorker, stopChild, type Stack, type StackOptions,
} from './stack';

export interface ProdStackOptions extends Pick<StackOptions, 'timeScale' | 'simArgs' | 'configDir' | 'echoWorker' | 'workerEnv'> {
  /** Start the Web UI server (default true). */
  ui?: boolean;
}

/** One part of the topology that can be stopped and started again in place (same ports, same data). */
export interface Service {
  readonly name: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  start(): Promise<void>;
  /** The part's own clean stop (PostgreSQL: fast shutdown; Temporal: SIGTERM). */
  stop(): Promise<void>;
  restart(): Promise<void>;
  outputTail(): string;
}

export interface ProdStack extends Stack {
  postgres: Service;
  server: Service;
  ui?: Service & { url: string };
  settings: DeploySettings;
}

interface InstalledServer {
  serverBin: string;
  sqlToolBin: string;
  uiServerBin: string;
  schemaDir: string;
  uiConfigDir: string;
  version: string;
}

const INSTALL_MARKER = join(REPO, '.tools', 'temporal-server.json');
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export function installedServer(): InstalledServer {
  if (!existsSync(INSTALL_MARKER)) {
    throw new Error(`no Temporal server installed (${INSTALL_MARKER} is missing): run \`bash scripts/install-temporal-server.sh\``);
  }
  const marker = JSON.parse(readFileSync(INSTALL_MARKER, 'utf8')) as InstalledServer;
  for (const path of [marker.serverBin, marker.sqlToolBin, marker.uiServerBin, marker.schemaDir, marker.uiConfigDir]) {
    if (!path || !existsSync(path)) throw new Error(`${INSTALL_MARKER} names ${path}, which is missing: rerun scripts/install-temporal-server.sh`);
  }
  return marker;
}

export async function startProdStack(options: ProdStackOptions = {}): Promise<ProdStack> {
  const installed = installedServer();
  const settings = readDeploySettings();
  const stateDir = mkdtempSync(join(tmpdir(), 'phoenix-prod-'));
  const children: ChildProcess[] = [];
  const services: Service[] = [];
  const cleanups: Array<() => void> = [];
  const stopAll = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    for (const service of [...services].reverse()) await service.stop().catch(() => undefined);
    for (const cleanup of cleanups) cleanup();
  };
  try {
    const password = randomBytes(18).toString('base64url');
    const postgres = await startPostgres(settings, password, stateDir, cleanups);
    services.push(postgres);
    await runScript('temporal-schema', {
      ...settings,
      PATH: `${dirname(installed.sqlToolBin)}${delimiter}${process.env.PATH ?? ''}`,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(postgres.port),
      SQL_PASSWORD: password,
      SCHEMA_DIR: installed.schemaDir,
    }, stateDir);

    const server = await startTemporalServer(installed, settings, postgres.port, password, stateDir);
    services.push(server);
    await runScript('temporal-setup', {
      ...settings,
      PATH: `${dirname(findTemporalBinary())}${delimiter}${process.env.PATH ?? ''}`,
      TEMPORAL_ADDRESS: server.address,
    }, stateDir);
    const namespace = settings.TEMPORAL_NAMESPACE;
    // The setup script returns once the attributes are created; wait until the frontend lists them.
    await waitUntilServing({
      address: server.address,
      namespace,
      searchAttributes: PHOENIX_SEARCH_ATTRIBUTES.map((k) => k.name),
      timeoutMs: 30_000,
    });

    const ui = options.ui === false ? undefined : await startUi(installed, server.address, stateDir);
    if (ui) services.push(ui);

    const sim = await startSim(stateDir, options, children);
    const taskQueue = `phoenix-${process.pid}-${Date.now().toString(36)}`;
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: namespace,
      PHOENIX_TASK_QUEUE: taskQueue,
      PHOENIX_CONFIG_DIR: options.configDir ?? join(REPO, 'config'),
      ...(ui ? { TEMPORAL_UI_URL: ui.url } : {}),
    };
    const temporal: DevServer = {
      address: server.address,
      namespace,
      ...(ui ? { uiUrl: ui.url } : {}),
      get pid() {
        return server.pid ?? -1;
      },
      get exited() {
        return server.exited();
      },
      outputTail: () => server.outputTail(),
      stop: () => server.stop(),
    };
    return {
      temporal,
      env,
      sim,
      stateDir,
      taskQueue,
      settings,
      postgres,
      server,
      ...(ui ? { ui } : {}),
      // Production workers: NODE_ENV=production makes the prebuilt workflow bundle mandatory.
      startWorker: (extraEnv = {}) =>
        startWorker(
          { ...baseEnv(), NODE_ENV: 'production', ...env, ...sim.env, ...options.workerEnv, ...extraEnv },
          options.echoWorker ?? false,
          children,
        ),
      cli: (args, opts = {}) => runCli(args, { ...baseEnv(), ...env, ...opts.env }),
      ...simAccess(sim),
      // A Temporal outage here is the server's own stop and start (same ports, same database).
      temporalDown: () => server.stop(),
      temporalUp: () => server.start(),
      async stop() {
        await stopAll();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    // Kept on failure: the services' logs are in it.
    process.stderr.write(`prod-stack: start-up failed; logs kept in ${stateDir}\n`);
    throw err;
  }
}

/** Runs one of the compose file's container scripts here, with this stack's addresses. */
async function runScript(service: string, env: Record<string, string>, logDir: string): Promise<void> {
  const script = composeScript(service);
  const child = spawn('/bin/sh', ['-ec', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...baseEnv(), ...env } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  writeFileSync(join(logDir, `${service}.log`), output);
  if (code !== 0) throw new Error(`the compose file's ${service} script failed (exit ${code}):\n${output}`);
}

/** A long-running process that can be stopped and started again with the same command line. */
class ManagedProcess implements Service {
  private child: ChildProcess | undefined;
  private exit: Promise<DevServerExit> | undefined;
  private readonly tail = new OutputTail();
  private started = 0;

  constructor(
    readonly name: string,
    private readonly launch: () => ChildProcess,
    private readonly ready: (output: () => string, signal: AbortSignal) => Promise<void>,
    private readonly stopSignal: NodeJS.Signals,
    private readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restarts(): number {
    return Math.max(0, this.started - 1);
  }

  exited(): Promise<DevServerExit> {
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }

  outputTail(): string {
    return this.tail.text();
  }

  async start(): Promise<void> {
    const child = this.launch();
    this.child = child;
    this.started++;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    let sinceStart = '';
    const collect = (d: Buffer) => {
      log.write(d);
      this.tail.push(d);
      sinceStart = (sinceStart + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        log.end();
        resolve({ code, signal });
      }),
    );
    const killOnExit = () => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void this.exit.then(() => process.removeListener('exit', killOnExit));

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), START_TIMEOUT_MS);
    try {
      await Promise.race([
        this.ready(() => sinceStart, abort.signal),
        this.exit.then(({ code, signal }) => {
          throw new Error(`${this.name} exited during start-up (${signal ?? `exit code ${code}`}):\n${this.tail.text()}`);
        }),
        new Promise<never>((_, reject) =>
          abort.signal.addEventListener('abort', () => reject(new Error(`${this.name} not ready in ${START_TIMEOUT_MS} ms:\n${this.tail.text()}`))),
        ),
      ]);
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(this.stopSignal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exit;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Polls until `check` resolves true, with backoff; gives up when `signal` aborts. */
async function until(check: () => Promise<boolean> | boolean, signal: AbortSignal): Promise<void> {
  for (let delay = 50; !signal.aborted; delay = Math.min(delay * 2, 1_000)) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
  }
}

// ---- PostgreSQL -------------------------------------------------------------------------------

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no PostgreSQL server binaries under ${root}: apt-get install postgresql (listed in .ci/run)`);
  return join(root, newest, 'bin');
}

/** initdb and postgres refuse to run as root: as root, the cluster belongs to the `postgres` user. */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no `postgres` user to own the PostgreSQL cluster (the postgresql package creates it)');
  }
}

async function startPostgres(
  settings: DeploySettings,
  password: string,
  stateDir: string,
  cleanups: Array<() => void>,
): Promise<ManagedProcess & { port: number }> {
  const bin = postgresBinDir();
  const owner = clusterOwner();
  // Its own directory in /tmp, so the cluster owner can reach it without opening up stateDir.
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-pg-'));
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', settings.POSTGRES_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
    { ...asOwner, stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  rmSync(pwfile);
  const port = await findFreePort();
  const service = new ManagedProcess(
    'postgresql',
    () =>
      spawn(
        join(bin, 'postgres'),
        [
          '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
          // Only processes are killed and restarted here, never the machine: the OS page cache
          // keeps what PostgreSQL wrote, so skipping fsync loses nothing and saves the disk.
          '-c', 'fsync=off',
        ],
        { ...asOwner, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    (output, signal) => until(() => /database system is ready to accept connections/.test(output()), signal),
    'SIGINT', // fast shutdown: open sessions (the Temporal server's) are ended, not waited for
    join(stateDir, 'postgresql.log'),
  );
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  await service.start();
  return Object.assign(service, { port });
}

// ---- Temporal server --------------------------------------------------------------------------

/**
 * The server config the compose file's server container renders from deploy/temporal.env
 * (the temporalio/server image's config template, postgres12 branch), with this stack's
 * loopback ports and generated password.
 */
export function serverConfig(
  settings: DeploySettings,
  ports: { frontend: number; frontendHttp: number; membership: [number, number, number, number]; history: number; matching: number; worker: number },
  postgres: { port: number; password: string },
): Record<string, unknown> {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: settings.DB,
      databaseName,
      connectAddr: `127.0.0.1:${postgres.port}`,
      connectProtocol: 'tcp',
      user: settings.POSTGRES_USER,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...(httpPort ? { httpPort } : {}) },
  });
  return {
    log: { stdout: true, level: 'info' },
    persistence: {
      numHistoryShards: Number(settings.NUM_HISTORY_SHARDS),
      defaultStore: 'default',
      visibilityStore: 'visibility',
      // The image template's defaults (SQL_MAX_CONNS 20, SQL_VIS_MAX_CONNS 10).
      datastores: { default: store(settings.DBNAME, 20), visibility: store(settings.VISIBILITY_DBNAME, 10) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' }, pprof: { port: 0 } },
    services: {
      frontend: rpc(ports.frontend, ports.membership[0], ports.frontendHttp),
      history: rpc(ports.history, ports.membership[1]),
      matching: rpc(ports.matching, ports.membership[2]),
      worker: rpc(ports.worker, ports.membership[3]),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '60s' },
  };
}

/**
 * The server records each service's membership port in PostgreSQL as a smallint
 * (cluster_membership.rpc_port), so ports above 32767 (the kernel's ephemeral range) fail
 * with "out of range for type smallint". A free port below it, then.
 */
async function freeMembershipPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!(await isPortInUse(port))) return port;
  }
  throw new Error('no free loopback port between 20000 and 32000 for the Temporal membership');
}

async function startTemporalServer(
  installed: InstalledServer,
  settings: DeploySettings,
  postgresPort: number,
  password: string,
  stateDir: string,
): Promise<ManagedProcess & { address: string }> {
  const root = join(stateDir, 'temporal');
  mkdirSync(join(root, 'config'), { recursive: true });
  const free = () => findFreePort();
  const ports = {
    frontend: await free(),
    frontendHttp: await free(),
    membership: [await freeMembershipPort(), await freeMembershipPort(), await freeMembershipPort(), await freeMembershipPort()] as [
      number, number, number, number,
    ],
    history: await free(),
    matching: await free(),
    worker: await free(),
  };
  const configFile = join(root, 'config', 'production.yaml');
  // JSON is YAML: the server's YAML loader reads it as is.
  writeFileSync(configFile, JSON.stringify(serverConfig(settings, ports, { port: postgresPort, password }), null, 2), { mode: 0o600 });
  const address = `127.0.0.1:${ports.frontend}`;
  let firstStart = true;
  const service = new ManagedProcess(
    'temporal-server',
    () =>
      spawn(installed.serverBin, ['--root', root, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...baseEnv(), TEMPORAL_VERSION_CHECK_DISABLED: settings.TEMPORAL_VERSION_CHECK_DISABLED ?? '1' },
      }),
    async (_output, signal) => {
      // Before the setup script has run, only the system namespace exists.
      const namespace = firstStart ? 'temporal-system' : settings.TEMPORAL_NAMESPACE;
      const searchAttributes = firstStart ? [] : PHOENIX_SEARCH_ATTRIBUTES.map((k) => k.name);
      firstStart = false;
      await waitUntilServing({ address, namespace, searchAttributes, timeoutMs: START_TIMEOUT_MS, signal });
    },
    'SIGTERM',
    join(stateDir, 'temporal-server.log'),
  );
  await service.start();
  return Object.assign(service, { address });
}

// ---- Web UI -----------------------------------------------------------------------------------

/** The UI server with the temporalio/ui image's own config template, bound to loopback. */
async function startUi(installed: InstalledServer, address: string, stateDir: string): Promise<ManagedProcess & { url: string }> {
  const root = join(stateDir, 'ui');
  mkdirSync(join(root, 'config'), { recursive: true });
  const config = join(root, 'config', 'docker.yaml');
  copyFileSync(join(installed.uiConfigDir, 'docker.yaml'), config);
  chmodSync(config, 0o600);
  // The template has no host key (the image binds every interface); this machine binds loopback only.
  writeFileSync(config, `${readFileSync(config, 'utf8').trimEnd()}\nhost: 127.0.0.1\n`);
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const service = new ManagedProcess(
    'temporal-ui-server',
    () =>
      spawn(installed.uiServerBin, ['--root', root, '--config', 'config', '--env', 'docker', 'start'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...baseEnv(), TEMPORAL_ADDRESS: address, TEMPORAL_UI_PORT: String(port), TEMPORAL_NOTIFY_ON_NEW_VERSION: 'false' },
      }),
    (_output, signal) =>
      until(async () => {
        try {
          return (await fetch(`${url}/api/v1/settings`, { signal })).ok;
        } catch {
          return false;
        }
      }, signal),
    'SIGTERM',
    join(stateDir, 'temporal-ui-server.log'),
  );
  await service.start();
  return Object.assign(service, { url });
}
