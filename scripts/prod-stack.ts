/**
 * Brings up the production topology on this machine (scripts/lib/prod-stack.ts) and keeps it up
 * until Ctrl-C: PostgreSQL, the Temporal server on it, the Web UI server, phoenix-sim and
 * phoenix-workers from the prebuilt bundle. Prints what a `phoenix-client` needs.
 *
 *   bash scripts/install-temporal-server.sh && npm run build
 *   npx tsx scripts/prod-stack.ts [--workers 2]
 */
import { startProdStack } from './lib/prod-stack';

function workersArg(): number {
  const i = process.argv.indexOf('--workers');
  const n = i > 0 ? Number(process.argv[i + 1]) : 2;
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--workers must be a whole number from 1 to 8, got ${process.argv[i + 1]}`);
  return n;
}

async function main(): Promise<void> {
  const workers = workersArg();
  const started = performance.now();
  const stack = await startProdStack({ echoWorker: false });
  try {
    for (let i = 0; i < workers; i++) await stack.startWorker();
    console.log(`production topology up in ${((performance.now() - started) / 1000).toFixed(1)} s (logs in ${stack.stateDir}):`);
    console.log(`  PostgreSQL      pid ${stack.postgres.pid}`);
    console.log(`  Temporal server ${stack.temporal.address} (namespace ${stack.temporal.namespace}), pid ${stack.server.pid}`);
    if (stack.ui) console.log(`  Web UI          ${stack.ui.url}`);
    console.log(`  workers         ${workers} on task queue ${stack.taskQueue}`);
    console.log('phoenix-client environment:');
    for (const [k, v] of Object.entries(stack.env)) console.log(`  export ${k}=${v}`);
    console.log('Ctrl-C stops everything.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
