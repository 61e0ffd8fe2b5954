// Writes dist/workflows.bundle.js, the workflow code the production phoenix-worker loads
// (`workflowBundle: { codePath }`), from the compiled workflows in dist/. Runs as the
// second half of `npm run build`, after tsc. See src/workflow-bundle.ts.
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { bundleWorkflowCode } = require('@temporalio/worker');
// The same entry point src/worker-factory.ts bundles from when it bundles at start.
const workflowsPath = require.resolve('../dist/workflows');
const { PREBUILT_BUNDLE_PATH, PHOENIX_WORKFLOW_INTERCEPTOR_MODULES } = require('../dist/workflow-bundle.js'); // the module, not the bundle

const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
const started = performance.now();
const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: PHOENIX_WORKFLOW_INTERCEPTOR_MODULES, logger: quiet });
// Written aside and renamed: a worker starting meanwhile never reads half a bundle.
const tmp = `${PREBUILT_BUNDLE_PATH}.${process.pid}.tmp`;
writeFileSync(tmp, code);
renameSync(tmp, PREBUILT_BUNDLE_PATH);
console.log(
  `workflow bundle: ${PREBUILT_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
