/** Read-only: the live half of `phoenix-client plan --setup`. Changes nothing on the host. */
import { proxyActivities } from '@temporalio/workflow';
import type { SetupActivities } from '../../activities/setup';
import type { SetupInspection } from '../../shared/setup';
import { quickStep } from '../activity-presets';

const { inspectSetup } = proxyActivities<SetupActivities>({ ...quickStep, startToCloseTimeout: '5m' });

export async function inspectHostSetup(input: { wipeDisks: boolean }): Promise<SetupInspection> {
  return inspectSetup(input);
}
