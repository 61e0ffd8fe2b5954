// The versioning policy at work (docs/architecture.md, "Versioning"): a workflow changed the way
// a real change would be (a step added to provisionLxc after start_container) still replays every
// recorded provisionLxc history when the new step sits behind `patched()`, and the same change
// without the patch breaks them. The second half is what makes the first mean something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO } from '../../scripts/lib/stack';
import { installRuntimeLogging } from '../../src/temporal/runtime-logging';
import { loadHistories, replayAll, silentLogger, workflowTypeOf } from './replay-helpers';

const ANCHOR = "  await tracker.run('start_container', () => tasks.startContainer(p).then(record('start_container')));\n";

/** A copy of src/ with one step added to provisionLxc after start_container; returns its workflows entry. */
function changedWorkflows(dir: string, guarded: boolean): string {
  cpSync(join(REPO, 'src'), join(dir, 'src'), { recursive: true });
  const file = join(dir, 'src', 'workflows', 'lxc', 'provision-lxc.ts');
  const source = readFileSync(file, 'utf8');
  assert.ok(source.includes(ANCHOR), 'provision-lxc.ts still has the start_container line this test changes after');
  const added = guarded
    ? "  if (patchedForTest('upgrade-test-added-step')) await quick.loadLxcPlan({ ctid: input.ctid });\n"
    : '  await quick.loadLxcPlan({ ctid: input.ctid });\n';
  writeFileSync(
    file,
    // Aliased: the workflow may import `patched` itself.
    `import { patched as patchedForTest } from '@temporalio/workflow';\n${source.replace(ANCHOR, ANCHOR + added)}`,
  );
  return join(dir, 'src', 'workflows', 'index.ts');
}

test('a step added behind patched() replays old histories; without the patch they fail', { timeout: 240_000 }, async () => {
  installRuntimeLogging('ERROR');
  // Histories of runs that got past start_container (a failed run that stopped earlier is unaffected).
  const histories = loadHistories().filter(({ history }) => workflowTypeOf(history) === 'provisionLxc' && JSON.stringify(history).includes('startContainer'));
  assert.ok(histories.length >= 4, `provisionLxc histories past start_container: ${histories.map((h) => h.name).join(', ')}`);

  // Inside the repository so the copy resolves the same node_modules.
  const dir = mkdtempSync(join(REPO, '.upgrade-test-'));
  try {
    const guarded = await bundleWorkflowCode({ workflowsPath: changedWorkflows(join(dir, 'guarded'), true), logger: silentLogger });
    const unguarded = await bundleWorkflowCode({ workflowsPath: changedWorkflows(join(dir, 'unguarded'), false), logger: silentLogger });

    const withPatch = await replayAll(guarded, histories);
    for (const { name } of histories) assert.equal(withPatch.get(name), undefined, `${name} replays with the step behind patched()`);

    const withoutPatch = await replayAll(unguarded, histories);
    for (const { name } of histories) {
      const error = withoutPatch.get(name);
      assert.ok(error instanceof DeterminismViolationError, `${name} must fail to replay without the patch, got ${String(error)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
