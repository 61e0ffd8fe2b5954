/**
 * Prepares a Proxmox host before any guest is built, in the original's order of steps, each an
 * idempotent activity over SSH; a second run changes nothing. When the kernel command line or
 * the NVIDIA driver needs it, the host reboots in the middle as a step of its own: the run waits
 * for the host to come back (across worker restarts), verifies the driver and carries on.
 * Workflow id: `phoenix-setup-<node>`.
 */
import { ApplicationFailure, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { SetupActivities } from '../../activities/setup';
import { PhoenixId, PhoenixKind } from '../../shared/search-attributes';
import { SETUP_STEPS, setupProgressQuery, setupStepActivityName, type SetupInput, type SetupResult, type SetupStepInput, type SetupStepName, type SetupStepOutcome } from '../../shared/setup';
import { quickStep } from '../activity-presets';
import { SetupTracker } from './setup-tracker';

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s' } as const;

/** apt installs and pool creation can take many minutes; they do not heartbeat. */
const hostStep: ActivityOptions = { startToCloseTimeout: '1h', retry: { ...retry, maximumAttempts: 5 } };

/** The driver installer and the reboot wait heartbeat; a crashed worker's attempt is retried soon. */
function waitingStep(heartbeatTimeout: string | undefined, startToCloseMs: number): ActivityOptions {
  return { startToCloseTimeout: startToCloseMs, heartbeatTimeout: (heartbeatTimeout ?? '30s') as ActivityOptions['heartbeatTimeout'], retry: { ...retry, maximumAttempts: 10 } };
}

const quick = proxyActivities<SetupActivities>(quickStep);
const slow = proxyActivities<SetupActivities>(hostStep);

type StepActivity = (input: SetupStepInput) => Promise<SetupStepOutcome>;

export async function setupHypervisor(input: SetupInput): Promise<SetupResult> {
  const tracker = new SetupTracker(input.node, SETUP_STEPS);
  setHandler(setupProgressQuery, () => tracker.snapshot());
  upsertSearchAttributes([
    { key: PhoenixId, value: input.node },
    { key: PhoenixKind, value: 'setup' },
  ]);
  const settings = await quick.loadSetupSettings();
  if (settings.node !== input.node) {
    throw ApplicationFailure.nonRetryable(`this worker manages node ${settings.node}, not ${input.node}: run setup with --node ${settings.node}, or on a worker configured for ${input.node}`, 'PhoenixWrongNode');
  }
  const waiting = proxyActivities<SetupActivities>(waitingStep(settings.heartbeatTimeout, 3 * 3_600_000));
  const rebootWait = proxyActivities<SetupActivities>(waitingStep(settings.heartbeatTimeout, settings.rebootTimeoutMs + 10 * 60_000));
  const request: SetupStepInput = { apply: true, wipeDisks: input.wipeDisks, jobKey: workflowInfo().runId.replace(/[^A-Za-z0-9]/g, '').slice(-12) };
  const steps: SetupResult['steps'] = [];
  const run = async (name: SetupStepName, activity: StepActivity) => {
    const outcome = await tracker.run(name, () => activity(request));
    steps.push({ name, changed: outcome.changed, summary: outcome.summary });
  };
  /** The steps in this order, each by its own activity (`zfs_pools` → setupZfsPools) with these options. */
  const runEach = async (options: SetupActivities, ...names: Array<Exclude<SetupStepName, 'reboot'>>) => {
    for (const name of names) await run(name, options[setupStepActivityName(name)]);
  };

  await runEach(slow, 'initial_settings', 'zfs_pools', 'zfs_datasets');
  await runEach(quick, 'proxmox_storages');
  await runEach(slow, 'vfio');
  await runEach(waiting, 'nvidia_driver');

  const need = await quick.rebootNeeds();
  if (need.reasons.length > 0) {
    await run('reboot', () => rebootWait.rebootHost({ bootIdBefore: need.bootId, reasons: need.reasons, timeoutMs: settings.rebootTimeoutMs }));
  } else {
    tracker.skip('reboot', 'not needed');
  }

  await runEach(quick, 'verify_driver', 'gpu_init', 'firewall', 'nfs_exports', 'users', 'samba', 'apparmor', 'idmap');
  return { node: input.node, steps };
}
