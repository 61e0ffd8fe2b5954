/**
 * The main job: a Temporal dev server (Web UI on :8233), phoenix-sim and a phoenix-worker,
 * then `phoenix-client start 950`, which builds the template chain 900 → 901 → 920 and the
 * vLLM container 950, step by step. Then a second `start 950` shows that nothing changes.
 *
 *   npm run demo                 # keeps the Web UI up afterwards until Ctrl-C (on a terminal)
 *   npm run demo -- --exit       # exits when done
 *   npm run demo -- 952 8001     # other guests
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO, startStack, type Stack } from './lib/stack';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const exitWhenDone = args.includes('--exit') || !process.stdout.isTTY || process.env.CI === 'true';
  const ids = args.filter((a) => /^\d+$/.test(a));
  const targets = ids.length ? ids : ['950'];
  const timeScale = Number(process.env.PHOENIX_DEMO_TIME_SCALE ?? '0.1');

  console.log('phoenix demo: starting the Temporal dev server, phoenix-sim and a phoenix-worker...');
  const stack = await startStack({ uiPort: 8233, temporalPort: 7233, timeScale });
  const stop = async () => {
    await stack.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    await stack.startWorker();
    console.log(`  Temporal ${stack.temporal.address}, Web UI ${stack.temporal.uiUrl ?? '(headless)'}`);
    console.log(`  phoenix-sim ${stack.sim.apiUrl} (time scale ${timeScale}), task queue ${stack.taskQueue}\n`);

    console.log(`$ phoenix-client start ${targets.join(' ')}`);
    const first = await timed(() => client(stack, ['start', ...targets]));
    if (first.code !== 0) throw new Error(`phoenix-client start exited with ${first.code}`);

    console.log(`\n$ phoenix-client start ${targets.join(' ')}   # again: converged, nothing to do`);
    const second = await timed(() => client(stack, ['start', ...targets]));
    if (second.code !== 0) throw new Error(`the second start exited with ${second.code}`);

    const ledger = await stack.ledger();
    const counts = new Map<string, number>();
    for (const e of ledger) if (!/^(ssh\.exec|lxc\.config|qemu\.config|file\.write)$/.test(e.kind)) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
    console.log('\nWhat the simulated Proxmox host saw (ledger):');
    for (const [kind, n] of [...counts].sort()) console.log(`  ${kind.padEnd(22)} ${n}`);
    console.log(`\nfirst run ${(first.ms / 1000).toFixed(1)} s, second run ${(second.ms / 1000).toFixed(1)} s (${(second.ms / first.ms * 100).toFixed(0)}% of the first)`);

    if (!exitWhenDone && stack.temporal.uiUrl) {
      console.log(`\nBrowse the runs in the Temporal Web UI: ${stack.temporal.uiUrl}/namespaces/default/workflows`);
      console.log('Press Ctrl-C to stop.');
      await new Promise(() => undefined);
    }
  } finally {
    await stop();
  }
}

function client(stack: Stack, args: string[]): Promise<{ code: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'phoenix-client.js'), ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...stack.env },
    });
    child.on('close', (code) => resolve({ code: code ?? 1 }));
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<T & { ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { ...value, ms: Date.now() - started };
}

main().catch((err: unknown) => {
  console.error(`phoenix demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
