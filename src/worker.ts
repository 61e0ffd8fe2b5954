/**
 * phoenix-worker: polls Temporal for Phoenix workflow and activity tasks.
 *
 * Connection settings follow Temporal's conventions (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, temporal.toml profiles);
 * Phoenix's own: PHOENIX_TASK_QUEUE, PHOENIX_SHUTDOWN_GRACE, PHOENIX_SHUTDOWN_FORCE,
 * PHOENIX_LOG_LEVEL, PHOENIX_METRICS_ADDRESS, PHOENIX_WORKFLOW_BUNDLE (src/workflow-bundle.ts),
 * PHOENIX_WORKER_HEAP_MB (read by bin/phoenix-worker.js: src/worker-launch.ts).
 * SIGINT/SIGTERM start a graceful shutdown (the SDK Runtime installs the handlers).
 */
import { closeIdleSshConnections } from './ssh/pool';
import { connectWorker, describeTarget } from './temporal/connection';
import { installRuntimeLogging } from './temporal/runtime-logging';
import { createPhoenixWorker } from './worker-factory';
import { exitWithLauncher } from './worker-launch';
import { WorkerSettingsError, workerSettingsFrom } from './worker-settings';
import { chooseWorkflowCode, WorkflowBundleError } from './workflow-bundle';

async function main(): Promise<void> {
  exitWithLauncher();
  const settings = workerSettingsFrom(process.env);
  const workflowCode = chooseWorkflowCode(process.env);
  installRuntimeLogging(settings.logLevel, settings.metricsAddress ? { prometheusAddress: settings.metricsAddress } : {});
  const { connection, target } = await connectWorker();
  try {
    const creating = performance.now();
    const worker = await createPhoenixWorker({
      connection,
      namespace: target.namespace,
      ...settings,
      ...(workflowCode.kind === 'prebuilt' ? { workflowBundle: { codePath: workflowCode.codePath } } : {}),
    });
    const createdMs = Math.round(performance.now() - creating);
    console.log(
      workflowCode.kind === 'prebuilt'
        ? `phoenix-worker: worker created in ${createdMs} ms from the prebuilt bundle ${workflowCode.codePath}`
        : `phoenix-worker: worker created in ${createdMs} ms, workflow code bundled at start (${workflowCode.reason})`,
    );
    if (settings.metricsAddress) console.log(`phoenix-worker: Prometheus metrics at http://${settings.metricsAddress}/metrics`);
    console.log(`phoenix-worker: serving task queue '${settings.taskQueue}' at ${describeTarget(target)}`);
    await worker.run();
    console.log('phoenix-worker: stopped');
  } finally {
    closeIdleSshConnections();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  // Settings errors are the operator's to fix: the message is enough, a stack is noise.
  console.error(`phoenix-worker: ${error instanceof WorkerSettingsError || error instanceof WorkflowBundleError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
