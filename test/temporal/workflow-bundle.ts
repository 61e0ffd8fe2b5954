/**
 * Phoenix's workflow code bundled from the source, once per test run: bundling takes seconds of
 * CPU, and a dozen test files need the same bundle. `scripts/run-tests.mjs` names a directory
 * of its own in PHOENIX_TEST_BUNDLE_DIR; the first file to need the bundle writes it there (the
 * others wait for it), later files read it. Without that variable (a file run directly) each
 * file bundles for itself.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { waitFor } from 'phoenix-sim';
import { PHOENIX_WORKFLOW_INTERCEPTOR_MODULES } from '../../src/workflow-bundle';
import { PHOENIX_WORKFLOWS_PATH } from '../../src/worker-factory';

const silentLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
/** Bundling on a loaded 2-core machine takes up to half a minute. */
const BUNDLE_WAIT_MS = 120_000;

let inThisProcess: Promise<WorkflowBundle> | undefined;

export function phoenixWorkflowBundle(): Promise<WorkflowBundle> {
  inThisProcess ??= shared(process.env.PHOENIX_TEST_BUNDLE_DIR);
  return inThisProcess;
}

async function shared(dir: string | undefined): Promise<WorkflowBundle> {
  const bundle = () => bundleWorkflowCode({ workflowsPath: PHOENIX_WORKFLOWS_PATH, workflowInterceptorModules: PHOENIX_WORKFLOW_INTERCEPTOR_MODULES, logger: silentLogger });
  if (!dir) return bundle();
  const file = join(dir, 'workflows.bundle.js');
  const claim = join(dir, 'workflows.bundle.claim');
  let mine = false;
  try {
    closeSync(openSync(claim, 'wx'));
    mine = true;
  } catch {
    // another file is bundling (or has bundled): wait for its result below
  }
  const failed = `${file}.failed`;
  if (mine) {
    const { code } = await bundle().catch((err: unknown) => {
      writeFileSync(failed, String(err)); // the waiting files fail at once, not after their wait
      throw err;
    });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file); // readers never see half a bundle
    return { code };
  }
  await waitFor('the workflow bundle another test file writes', () => {
    if (existsSync(failed)) throw new Error(`bundling the workflows failed in another test file: ${readFileSync(failed, 'utf8')}`);
    return existsSync(file) || undefined;
  }, BUNDLE_WAIT_MS, 200);
  return { code: readFileSync(file, 'utf8') };
}
