/**
 * Runs the Phoenix dev server in the foreground for people, configured exactly as
 * the tests and the demo configure it (search attributes registered, no call home):
 *
 *   npx tsx src/temporal/dev-server-cli.ts --port 7233 --ui-port 8233 --db-file .phoenix/temporal.db
 *
 * Ctrl-C stops it. Without --db-file everything is lost on exit.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevServer, type DevServerLogLevel, type DevServerOptions } from './dev-server';

const USAGE = `usage: dev-server-cli [--port N] [--ui-port N | --headless] [--db-file PATH] [--namespace NS] [--ip IP] [--log-level LEVEL]`;
const LOG_LEVELS: readonly DevServerLogLevel[] = ['debug', 'info', 'warn', 'error', 'never'];

export class UsageError extends Error {}

export function parseDevServerArgs(argv: string[]): DevServerOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      headless: { type: 'boolean' },
      'db-file': { type: 'string' },
      namespace: { type: 'string' },
      ip: { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  if (values.headless && values['ui-port'] !== undefined) throw new UsageError('--headless and --ui-port exclude each other');
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as DevServerLogLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  return {
    port: values.port === undefined ? 7233 : portArg('--port', values.port),
    uiPort: values.headless ? false : values['ui-port'] === undefined ? undefined : portArg('--ui-port', values['ui-port']),
    dbFile: values['db-file'] === undefined ? undefined : resolve(values['db-file']),
    namespace: values.namespace,
    ip: values.ip,
    logLevel: logLevel as DevServerLogLevel | undefined,
    echoOutput: true,
  };
}

function portArg(name: string, raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) throw new UsageError(`${name} must be a port number from 0 to 65535, got '${raw}'`);
  return port;
}

async function main(): Promise<void> {
  const options = parseDevServerArgs(process.argv.slice(2));
  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  const server = await startDevServer(options);
  console.log(`Temporal dev server ready (pid ${server.pid})`);
  console.log(`  TEMPORAL_ADDRESS=${server.address} TEMPORAL_NAMESPACE=${server.namespace}`);
  if (server.uiUrl) console.log(`  Web UI: ${server.uiUrl}`);
  console.log(options.dbFile ? `  state: ${options.dbFile}` : '  state: in memory (lost on exit; use --db-file to keep it)');

  let stopping = false;
  void server.exited.then(({ code, signal }) => {
    if (stopping) return;
    console.error(`the dev server exited unexpectedly (${signal ?? `exit code ${code}`})\n${server.outputTail()}`);
    process.exit(1);
  });
  const shutdown = (signal: string): void => {
    stopping = true;
    console.log(`\n${signal}: stopping the dev server`);
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
