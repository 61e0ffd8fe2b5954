// A Phoenix worker in its own process for the crash tests: configured only through the
// environment (the simulator's connection settings + the test's server, queue and bundle).
import { NativeConnection } from '@temporalio/worker';
import { provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';
import { createPhoenixWorker } from '../../src/worker-factory';

async function main(): Promise<void> {
  const env = process.env;
  const taskQueue = env.PHOENIX_TEST_TASK_QUEUE!;
  const connection = await NativeConnection.connect({ address: env.PHOENIX_TEST_TEMPORAL_ADDRESS! });
  const worker = await createPhoenixWorker({
    connection,
    namespace: env.PHOENIX_TEST_NAMESPACE!,
    taskQueue,
    workflowBundle: { codePath: env.PHOENIX_TEST_BUNDLE! },
    deps: { provisioning: provisioningDepsFromEnv({ env, taskQueue, ...(env.PHOENIX_TEST_SCRIPTS_ROOT ? { scriptsRoot: env.PHOENIX_TEST_SCRIPTS_ROOT } : {}) }) },
  });
  console.log('worker running');
  await worker.run();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
