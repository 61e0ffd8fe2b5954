import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Which workflow code a `phoenix-worker` loads. Production loads the bundle `npm run build`
 * wrote (scripts/build-workflow-bundle.mjs), as Temporal's production sample does: bundling
 * at every start costs seconds of CPU and ~80 MB of idle RSS per worker (bench/worker-startup.ts).
 * Development and tests may still bundle from source when the prebuilt bundle is missing or
 * older than the compiled workflows (a bare `tsc` run), so a stale bundle never runs.
 *
 * PHOENIX_WORKFLOW_BUNDLE: `prebuilt` (required; an error when missing or stale), `source`
 * (bundle at start), or unset: `prebuilt` when NODE_ENV=production, otherwise the prebuilt
 * bundle when it is fresh and bundling from source when it is not.
 */

/** dist/ holds the compiled code and the bundle; this file is in src/ (tsx) or dist/ (built). */
const DIST_DIR = resolve(__dirname, '..', 'dist');
// Not dist/workflow-bundle.js: that is this module, compiled.
export const PREBUILT_BUNDLE_PATH = join(DIST_DIR, 'workflows.bundle.js');

/**
 * The workflow interceptor modules every bundle of Phoenix's workflows carries (`bundleWorkflowCode`'s
 * `workflowInterceptorModules`; the worker's `interceptors.workflowModules` when it bundles at start):
 * phoenixUp reads its children's news from them.
 */
export const PHOENIX_WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('./workflows/child-promises')];

export type WorkflowCodeChoice = { kind: 'prebuilt'; codePath: string } | { kind: 'source'; reason: string };

export class WorkflowBundleError extends Error {
  override name = 'WorkflowBundleError';
}

/** Where the bundle is, and the compiled workflows it must not be older than. */
export interface BundlePaths {
  bundle: string;
  compiledWorkflows: string;
}

const BUILT: BundlePaths = { bundle: PREBUILT_BUNDLE_PATH, compiledWorkflows: join(DIST_DIR, 'workflows') };

export function chooseWorkflowCode(
  env: Readonly<Record<string, string | undefined>>,
  paths: BundlePaths = BUILT,
): WorkflowCodeChoice {
  const raw = env.PHOENIX_WORKFLOW_BUNDLE?.trim() ?? '';
  if (raw !== '' && raw !== 'prebuilt' && raw !== 'source') {
    throw new WorkflowBundleError(`PHOENIX_WORKFLOW_BUNDLE must be "prebuilt" or "source", got ${JSON.stringify(raw)}`);
  }
  if (raw === 'source') return { kind: 'source', reason: 'PHOENIX_WORKFLOW_BUNDLE=source' };
  const problem = bundleProblem(paths);
  if (!problem) return { kind: 'prebuilt', codePath: paths.bundle };
  if (raw === 'prebuilt' || env.NODE_ENV === 'production') {
    throw new WorkflowBundleError(`the prebuilt workflow bundle ${paths.bundle} ${problem}: run \`npm run build\``);
  }
  return { kind: 'source', reason: `the prebuilt bundle ${problem}` };
}

/** Why the bundle cannot be used, or undefined when it can. */
function bundleProblem(paths: BundlePaths): string | undefined {
  let bundleTime: number;
  try {
    bundleTime = statSync(paths.bundle).mtimeMs;
  } catch {
    return 'is missing';
  }
  // A bare `tsc` rewrites every compiled file without rebundling: the bundle is then stale.
  if (newestMtime(paths.compiledWorkflows) > bundleTime) return `is older than the compiled workflows in ${paths.compiledWorkflows}`;
  return undefined;
}

/** Newest modification time of the .js files under dir (0 when there are none). */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
