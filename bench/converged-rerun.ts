/**
 * A converged re-run: `phoenix-client start 950` on a fresh simulator builds the chain
 * 900 → 901 → 920 → 950; the same command again finds everything in place. This prints both
 * wall times and their ratio (the real stack: dev server, simulator, worker, CLI processes).
 *
 *   npm run build && npx tsx bench/converged-rerun.ts [--time-scale 0.05]
 *
 * Target: the second run takes under 40% of the first. (test/e2e/lxc-chain.test.ts asserts
 * the behaviour: the second run changes nothing and reports every step unchanged.)
 */
import { startStack } from '../scripts/lib/stack';

const TARGET_RATIO = 0.4;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const timeScale = arg('time-scale', 0.05);
  const stack = await startStack({ timeScale });
  try {
    await stack.startWorker();
    const timed = async (what: string) => {
      const started = performance.now();
      const run = await stack.cli(['start', '950']);
      const ms = performance.now() - started;
      if (run.code !== 0) throw new Error(`${what} start 950 failed:\n${run.stdout}\n${run.stderr}`);
      return ms;
    };
    const first = await timed('first');
    const second = await timed('second');
    const ratio = second / first;
    console.log(`time scale ${timeScale}`);
    console.log(`first start 950 (builds the chain)   ${first.toFixed(0).padStart(7)} ms`);
    console.log(`second start 950 (converged)         ${second.toFixed(0).padStart(7)} ms`);
    console.log(`ratio ${(ratio * 100).toFixed(1)}% (target < ${TARGET_RATIO * 100}%): ${ratio < TARGET_RATIO ? 'met' : 'NOT met'}`);
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
