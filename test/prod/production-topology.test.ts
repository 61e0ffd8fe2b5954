/**
 * Acceptance (issue 13): `phoenix-client up --all` on the shipped fleet, on the production
 * topology (scripts/lib/prod-stack.ts: PostgreSQL, the Temporal server binary, the Web UI server,
 * phoenix-workers from the prebuilt bundle), while every part is taken down once mid-run:
 *
 *   900 created      worker A is killed (SIGKILL); worker C starts
 *   901 cloned       the Temporal server is stopped (SIGTERM) and started again
 *   920 cloned       PostgreSQL is stopped (fast shutdown) and started again
 *   950 cloned       worker B is stopped gracefully (SIGTERM: its activities finish or are
 *                    handed over); worker D starts
 *
 * Every guest completes, the simulator's ledger shows each side effect as often as the
 * undisturbed run does, and the Web UI server (the temporalio/ui image's server) lists the runs
 * filtered by PhoenixId, through its API and in headless Chromium. The same `up --all` on the dev server, undisturbed,
 * gives the reference wall time; the figures are printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { fetch } from 'undici';
import { startProdStack, type ProdStack } from '../../scripts/lib/prod-stack';
import { startStack, type CliResult, type LedgerEntry, type Stack, type WorkerProcess } from '../../scripts/lib/stack';
import { CHROMIUM, CHROMIUM_ARGS, countBy, jobs, ledgerText, listedWorkflowIds, SIDE_EFFECTS, target, WINDOWED_TIME_SCALE, waitFor } from '../e2e/helpers';

/** Long steps of a dead worker are retried after 8 s instead of the presets' 30 s (as in lxc-crash). */
const WORKER_ENV = { PHOENIX_HEARTBEAT_TIMEOUT: '8s', PHOENIX_SHUTDOWN_GRACE: '4s', PHOENIX_SHUTDOWN_FORCE: '8s' };
const GUESTS = { CT: [900, 901, 902, 920, 950, 952, 955], VM: [8000, 8001] };
const FLEET_BUILT_ONCE = {
  'lxc.create 900': 1, 'lxc.clone 901': 1, 'lxc.clone 902': 1, 'lxc.clone 920': 1, 'lxc.clone 950': 1, 'lxc.clone 952': 1,
  'lxc.clone 955': 1, 'qemu.create 8000': 1, 'qemu.template 8000': 1, 'qemu.clone 8001': 1,
};
const FLEET_KINDS = [...new Set(Object.keys(FLEET_BUILT_ONCE).map((k) => k.split(' ')[0]!))];
const RUN_TIMEOUT_MS = 8 * 60_000;

/** Kinds of ledger entries that change a guest or the host: what must not happen twice. */
const EFFECT_KINDS = new Set([
  ...SIDE_EFFECTS, 'lxc.start', 'qemu.create', 'qemu.clone', 'qemu.template', 'qemu.snapshot', 'qemu.start', 'qemu.resize', 'cloudinit.start',
]);
const RUN_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The details that say which effect it was; the rest (UPIDs, generated MACs, ctimes) differ between equal runs. */
const IDENTIFYING = ['jobId', 'installer', 'argv', 'snapname', 'disk', 'size'] as const;

/**
 * Side effects as comparable keys: kind, guest, and the identifying details (workflow run ids in
 * job ids masked). A guest's scripts may run `apt-get update` twice on purpose, so "once"
 * means "as often as in the undisturbed run".
 */
function effectCounts(entries: LedgerEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    if (!EFFECT_KINDS.has(e.kind)) continue;
    const details = IDENTIFYING.map((k) => e.details?.[k]);
    const key = `${e.kind} ${target(e)} ${JSON.stringify(details).replace(RUN_ID, '<run>')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Effects the disturbed run did more often than the reference (duplicates) or less often (missing). */
function compareEffects(reference: LedgerEntry[], disturbed: LedgerEntry[]): { duplicates: string[]; missing: string[] } {
  const want = effectCounts(reference);
  const got = effectCounts(disturbed);
  const duplicates: string[] = [];
  const missing: string[] = [];
  for (const key of new Set([...want.keys(), ...got.keys()])) {
    const diff = (got.get(key) ?? 0) - (want.get(key) ?? 0);
    if (diff > 0) duplicates.push(`${key} +${diff}`);
    if (diff < 0) missing.push(`${key} ${diff}`);
  }
  return { duplicates, missing };
}

function assertFleetSucceeded(run: CliResult, why: () => string): void {
  assert.equal(run.code, 0, `up --all failed:\n${run.stdout}\n${run.stderr}${why()}`);
  for (const id of GUESTS.CT) assert.match(run.stdout, new RegExp(`succeeded CT ${id}`), why());
  for (const id of GUESTS.VM) assert.match(run.stdout, new RegExp(`succeeded VM ${id}`), why());
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The undisturbed reference: the same `up --all` on the dev server, with its wall time and ledger. */
async function referenceRun(): Promise<{ run: CliResult; wallMs: number; ledger: LedgerEntry[] }> {
  const stack: Stack = await startStack({ timeScale: WINDOWED_TIME_SCALE, workerEnv: WORKER_ENV });
  try {
    await stack.startWorker();
    await stack.startWorker();
    const started = performance.now();
    const run = await stack.cli(['up', '--all']);
    return { run, wallMs: performance.now() - started, ledger: await stack.ledger() };
  } finally {
    await stack.stop();
  }
}

describe('up --all on the production topology, every part restarted mid-run', () => {
  // The reference runs on its own stack beside the production topology's run (both mostly wait
  // on simulated PVE tasks): the disturbed run compares against it once both are done.
  let reference: Promise<Awaited<ReturnType<typeof referenceRun>>>;
  before(() => {
    reference = referenceRun();
    reference.catch(() => undefined); // reported by the tests that await it
  });

  describe('production topology', () => {
    let stack: ProdStack;
    const workers: Record<string, WorkerProcess> = {};

    before(async () => {
      stack = await startProdStack({ timeScale: WINDOWED_TIME_SCALE, workerEnv: WORKER_ENV });
      workers.A = await stack.startWorker();
      workers.B = await stack.startWorker();
    }, { timeout: 180_000 });

    after(async () => {
      await stack?.stop();
    }, { timeout: 120_000 });

    it('every guest completes through a worker crash, a graceful stop, and Temporal and PostgreSQL restarts', { timeout: RUN_TIMEOUT_MS }, async () => {
      for (const w of [workers.A!, workers.B!]) assert.match(w.output(), /worker created in \d+ ms from the prebuilt bundle/, w.output());
      const started = performance.now();
      let finished: CliResult | undefined;
      const running = stack.cli(['up', '--all']).then((r) => (finished = r));
      const events: string[] = [];
      const reached = async (what: string, kind: string, vmid: number) => {
        await waitFor(what, async () => (finished ? true : (await stack.ledger()).some((e) => e.kind === kind && target(e) === vmid) || undefined), 240_000);
        assert.equal(finished, undefined, `up --all ended before ${what}:\n${finished?.stdout}\n${finished?.stderr}`);
        events.push(`${seconds(performance.now() - started)} ${what}`);
      };

      await reached('900 created', 'lxc.create', 900);
      await workers.A!.kill9();
      workers.C = await stack.startWorker();

      await reached('901 cloned', 'lxc.clone', 901);
      await stack.server.restart();

      await reached('920 cloned', 'lxc.clone', 920);
      await stack.postgres.restart();

      await reached('950 cloned', 'lxc.clone', 950);
      const graceful = workers.B!;
      await graceful.stop();
      workers.D = await stack.startWorker();
      // The SDK's shutdown ran to its end (not the harness's SIGKILL after 10 s).
      assert.match(graceful.output(), /phoenix-worker: stopped/, `worker B did not stop cleanly:\n${graceful.output().slice(-3000)}`);

      const run = await running;
      const wallMs = performance.now() - started;
      const ledger = await stack.ledger();
      const why = () =>
        `\nevents: ${events.join('; ')}\nledger:\n${ledgerText(ledger)}\nserver:\n${stack.server.outputTail().slice(-3000)}` +
        `\nworker D:\n${workers.D!.output().slice(-3000)}`;
      assertFleetSucceeded(run, why);
      assert.deepEqual(countBy(ledger, FLEET_KINDS), FLEET_BUILT_ONCE, why());
      const { ledger: devLedger, wallMs: devWallMs } = await reference;
      assert.ok(devLedger.length > 0, 'the reference run recorded its ledger');
      const { duplicates, missing } = compareEffects(devLedger, ledger);
      assert.deepEqual(duplicates, [], `side effects repeated after the disruptions${why()}`);
      assert.deepEqual(missing, [], `side effects the reference run had and this one lacks${why()}`);
      for (const [id, job] of jobs(ledger)) {
        assert.equal(job.starts, 1, `job ${id} started ${job.starts} times${why()}`);
        assert.deepEqual(job.exits, [0], `job ${id} exits${why()}`);
      }

      console.log(
        [
          'production topology figures:',
          `  workers killed: 1 (SIGKILL), stopped gracefully: 1 (SIGTERM), started: 4`,
          `  restarts: Temporal server ${stack.server.restarts}, PostgreSQL ${stack.postgres.restarts}`,
          `  duplicate side effects: ${duplicates.length} (of ${[...effectCounts(ledger).values()].reduce((a, b) => a + b, 0)} compared with the undisturbed run)`,
          `  wall time of up --all: ${seconds(wallMs)} here, ${seconds(devWallMs)} on the dev server (undisturbed, same workers' settings)`,
          `  restart points: ${events.join('; ')}`,
        ].join('\n'),
      );
      assert.equal(stack.server.restarts, 1);
      assert.equal(stack.postgres.restarts, 1);
    });

    it('the Web UI server lists the runs filtered by PhoenixId', { timeout: 60_000 }, async () => {
      assert.ok(stack.ui, 'the stack runs the Web UI server');
      const list = async (query: string) => {
        const url = `${stack.ui!.url}/api/v1/namespaces/${encodeURIComponent(stack.temporal.namespace)}/workflows?query=${encodeURIComponent(query)}`;
        const res = await fetch(url);
        const text = await res.text();
        assert.equal(res.status, 200, `${url}: ${text}`);
        const body = JSON.parse(text) as { executions?: Array<{ execution: { workflowId: string } }> };
        return [...new Set((body.executions ?? []).map((e) => e.execution.workflowId))].sort();
      };
      // Visibility is eventually consistent: the closed runs appear within moments.
      assert.deepEqual(await waitFor('950 in the filtered list', async () => ((await list('PhoenixId="950"')).length ? list('PhoenixId="950"') : undefined), 30_000), ['phoenix-lxc-950']);
      assert.deepEqual(await list('PhoenixId="8001"'), ['phoenix-vm-8001']);
      const all = await list('PhoenixId IS NOT NULL');
      for (const id of GUESTS.CT) assert.ok(all.includes(`phoenix-lxc-${id}`), `phoenix-lxc-${id} missing from ${all.join(', ')}`);
    });

    it('the Web UI, in headless Chromium, shows only 950\'s run for PhoenixId="950"', { timeout: 90_000 }, async () => {
      assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (listed in .ci/run)`);
      const profile = mkdtempSync(join(tmpdir(), 'phoenix-prod-ui-'));
      const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        const query = encodeURIComponent('PhoenixId="950"');
        await page.goto(`${stack.ui!.url}/namespaces/${encodeURIComponent(stack.temporal.namespace)}/workflows?query=${query}`);
        await page.locator('a', { hasText: /^\s*phoenix-lxc-950\s*$/ }).first().waitFor({ timeout: 30_000 });
        assert.deepEqual(await listedWorkflowIds(page), ['phoenix-lxc-950']);
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  });

  it('reference: the same up --all on the dev server, undisturbed', { timeout: RUN_TIMEOUT_MS }, async () => {
    const { run, ledger } = await reference;
    assertFleetSucceeded(run, () => `\nledger:\n${ledgerText(ledger)}`);
    assert.deepEqual(countBy(ledger, FLEET_KINDS), FLEET_BUILT_ONCE);
  });
});
