/**
 * wait_for_cloud_init: waits for cloud-init's first boot (which runs the VM's features
 * through run-features.sh), then makes sure every planned feature is done.
 *
 * Everything is read from the guest through the agent in short calls (`cloud-init status
 * --long`, the runner's marker files), heartbeating between them, so a worker restart simply
 * reads again. A failed feature fails the step non-retryably with its name and log tail; when
 * the feature's script has changed since (the operator fixed it), or a feature was added
 * after the first boot, the pending features are pushed into the guest and the runner is
 * started again, detached, and waited for the same way.
 */
import { Context } from '@temporalio/activity';
import {
  FAILED_MARKER,
  FEATURE_STATE_DIR,
  RUNNER_PATH,
  RUNNER_SCRIPT,
  RUNNING_MARKER,
  featureLogPath,
  featureScriptPath,
} from '../../cloudinit/feature-runner';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { readPatiently } from '../common/read-retry';
import { sleep } from '../common/sleep';
import { pollDelayMs } from '../../shared/poll-delay';
import { agentStateOf } from './agent-state';
import { composeVmFeatures, type VmFeatureScript } from './features';
import { guestExec } from './guest-exec';
import { vmLabel } from './label';
import type { PveClient } from '../../proxmox/client';

/** PVE refuses agent `input-data` above 64 KiB. */
const MAX_INPUT = 60 * 1024;

/** Lists the runner's markers: `done <name>`, `failed <name>`, `running <name>`. A fixed script. */
const READ_STATE = `cd ${FEATURE_STATE_DIR} 2>/dev/null || exit 0
for f in *.done; do [ -e "$f" ] && echo "done \${f%.done}"; done
[ -s ${FAILED_MARKER} ] && echo "failed $(head -n1 ${FAILED_MARKER})"
[ -s ${RUNNING_MARKER} ] && echo "running $(head -n1 ${RUNNING_MARKER})"
exit 0`;

/** Marks the first pending feature running *before* detaching, so a poll never sees a gap. */
const LAUNCH = `mkdir -p ${FEATURE_STATE_DIR} && printf '%s\\n' "$1" > ${RUNNING_MARKER} && rm -f ${FAILED_MARKER}
setsid -f /bin/bash ${RUNNER_PATH} "$@" </dev/null >/dev/null 2>&1`;

/** Writes stdin to the file named by $1 (mode 0755). */
const PUSH = 'mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 0755 "$1"';

interface FeatureState {
  done: Set<string>;
  failed?: string;
  running?: string;
}

export function createWaitForCloudInit(deps: ProvisioningDeps) {
  return async function waitForCloudInit(plan: VmPlan): Promise<StepOutcome> {
    const guest = vmLabel(plan);
    return classified('wait for cloud-init and the features', guest, async () => {
      const pve = await deps.pve();
      const info = Context.current().info;
      const deadline = info.scheduledTimestampMs + plan.cloudInitTimeoutSeconds * 1000;
      const names = plan.cloudInit.features.map((f) => f.name);
      let scripts: VmFeatureScript[] | undefined;
      const composed = async () => (scripts ??= await composeVmFeatures(deps, plan));
      let waited = info.attempt > 1;
      let reran: string[] | undefined;
      // The wait's reads are repeated while the host answers with transient errors.
      const patiently = <T>(read: () => Promise<T>) =>
        readPatiently(read, { signal: cancellation(), onRetry: (err) => heartbeat({ state: `cloud-init: no answer (${err.message.slice(0, 120)}); reading again` }) });

      for (let polls = 1; ; polls++) {
        const status = await patiently(() => cloudInitStatus(pve, plan));
        if (status && status.status !== 'running' && status.status !== 'not started' && status.status !== 'not run') {
          const state = await patiently(() => featureState(pve, plan));
          const pending = names.filter((n) => !state.done.has(n));
          if (!state.running) {
            if (pending.length === 0) {
              const note = status.status === 'error' && !reran ? ` (cloud-init reported: ${status.errors || 'error'})` : '';
              const summary = reran ? `re-ran features ${reran.join(', ')}` : names.length ? `first boot done; features ${names.join(', ')} done` : 'first boot done';
              return { changed: waited || !!reran, summary: summary + note };
            }
            if (state.failed) {
              const script = (await composed()).find((s) => s.name === state.failed);
              const failed = state.failed;
              const inGuest = await patiently(() => guestSha256(pve, plan, featureScriptPath(failed)));
              if (!script || inGuest === script.sha256 || reran) {
                throw permanent(await featureFailure(pve, plan, guest, state.failed), 'PhoenixFeatureFailed');
              }
            } else if (status.status === 'error' && !reran && !state.done.size) {
              throw permanent(
                `cloud-init's first boot of ${guest} failed before the features ran: ${status.errors || 'error'}\n` +
                  `last lines of /var/log/cloud-init-output.log:\n${await tail(pve, plan, '/var/log/cloud-init-output.log')}`,
                'PhoenixCloudInitFailed',
              );
            }
            // A fixed script, or features added after the first boot: run what is pending.
            await pushAndLaunch(pve, plan, (await composed()).filter((s) => pending.includes(s.name)));
            reran = pending;
            waited = true;
            continue;
          }
        }
        if (Date.now() > deadline) {
          throw permanent(
            `cloud-init on ${guest} did not finish within ${plan.cloudInitTimeoutSeconds} s (status: ${status?.status ?? 'agent not answering'}); ` +
              `see /var/log/cloud-init-output.log and ${featureLogPath('<feature>')} in the VM (raise PHOENIX_CLOUD_INIT_TIMEOUT on the worker for slow installs)`,
            'PhoenixCloudInitTimeout',
          );
        }
        waited = true;
        heartbeat({ state: `cloud-init: ${status?.status ?? 'agent not answering'} (${Math.round((Date.now() - info.scheduledTimestampMs) / 1000)} s)` });
        await sleep(pollDelayMs(polls), cancellation());
      }
    });
  };
}

async function cloudInitStatus(pve: PveClient, plan: VmPlan): Promise<{ status: string; errors: string } | undefined> {
  try {
    const r = await guestExec(pve, plan, ['cloud-init', 'status', '--long']);
    const status = /^status:\s*(.+)$/m.exec(r.stdout)?.[1]?.trim() ?? 'not started';
    const errors = /^errors:\s*\n((?:\s+- .*\n?)+)/m.exec(r.stdout)?.[1]?.replace(/\s*-\s+/g, ' ').trim() ?? '';
    return { status, errors };
  } catch (err) {
    // A guest rebooting by itself (package upgrades) answers again shortly.
    if (agentStateOf(err) === 'agent-not-running') return undefined;
    throw err;
  }
}

async function featureState(pve: PveClient, plan: VmPlan): Promise<FeatureState> {
  const r = await guestExec(pve, plan, ['/bin/sh', '-c', READ_STATE]);
  const state: FeatureState = { done: new Set() };
  for (const line of r.stdout.split('\n')) {
    const [kind, name] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1).trim()];
    if (!name) continue;
    if (kind === 'done') state.done.add(name);
    if (kind === 'failed') state.failed = name;
    if (kind === 'running') state.running = name;
  }
  return state;
}

async function guestSha256(pve: PveClient, plan: VmPlan, path: string): Promise<string | undefined> {
  const r = await guestExec(pve, plan, ['sha256sum', path]);
  return r.code === 0 ? r.stdout.split(/\s+/)[0] : undefined;
}

async function tail(pve: PveClient, plan: VmPlan, path: string, lines = 30): Promise<string> {
  const r = await guestExec(pve, plan, ['tail', '-n', String(lines), path]);
  return (r.code === 0 ? r.stdout : r.stderr).trimEnd() || '(empty)';
}

async function featureFailure(pve: PveClient, plan: VmPlan, guest: string, feature: string): Promise<string> {
  return (
    `feature '${feature}' failed in ${guest}; last lines of ${featureLogPath(feature)}:\n${await tail(pve, plan, featureLogPath(feature))}\n` +
    `Fix features/vm/${feature}.sh (or the config) and run the VM again: Phoenix re-runs the failed feature and those after it.`
  );
}

async function pushAndLaunch(pve: PveClient, plan: VmPlan, scripts: VmFeatureScript[]): Promise<void> {
  const files: Array<[string, string]> = [[RUNNER_PATH, RUNNER_SCRIPT], ...scripts.map((s): [string, string] => [featureScriptPath(s.name), s.text])];
  for (const [path, text] of files) {
    if (Buffer.byteLength(text) > MAX_INPUT) {
      throw permanent(`${path} is ${Buffer.byteLength(text)} bytes: too large to push through the guest agent (64 KiB); shorten the script`, 'PhoenixBadScript');
    }
    const r = await guestExec(pve, plan, ['/bin/sh', '-c', PUSH, 'sh', path], { inputData: text });
    if (r.code !== 0) throw new Error(`writing ${path} in VM ${plan.vmid} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  const r = await guestExec(pve, plan, ['/bin/sh', '-c', LAUNCH, 'sh', ...scripts.map((s) => s.name)]);
  if (r.code !== 0) throw new Error(`starting the feature runner in VM ${plan.vmid} failed (exit ${r.code}): ${r.stderr.trim()}`);
  heartbeat({ state: `re-running features ${scripts.map((s) => s.name).join(', ')}` });
}
