/**
 * apply_features: one feature script, run inside the container as a detached job. The
 * nvidia feature first writes the GPU passthrough for the container's `gpu_assignment`
 * into its config on the host (root-only, over SSH), restarting it when that changed. The
 * restart is recorded on the host before the write, so a retried attempt finishes it.
 */
import type { GuestFeature, LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { composeScript } from '../common/guest-scripts';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';
import { runGuestJob } from './guest-job';
import { finishPendingRestart, markRestartPending } from './restart';

export function createApplyFeature(deps: ProvisioningDeps) {
  return async function applyFeature(input: { plan: LxcPlan; feature: GuestFeature; jobId: string }): Promise<StepOutcome> {
    const { plan, feature, jobId } = input;
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const script = await composeScript(deps.scriptsRoot, 'features/lxc', feature.name, feature.env, `Phoenix feature ${feature.name} for CT ${plan.ctid}`);
    const beforeJob =
      feature.name === 'nvidia' && plan.gpuIndices.length > 0
        ? async (host: HostSession) => {
            const lines = gpuPassthroughLines(plan.gpuIndices);
            const result = await host.pct.ensureLxcConfLines(plan.ctid, lines, {
              beforeWrite: () => markRestartPending(host, plan.ctid, 'GPU passthrough lines'),
            });
            // The job runs in the container: a restart cut short by a crash must end with it running.
            const restarted = await finishPendingRestart(await deps.pve(), host, plan, { startIfStopped: true });
            if (!result.changed && !restarted) return undefined;
            return `GPU ${plan.gpuIndices.join(',')} passed through${restarted ? ' (restarted)' : ''}`;
          }
        : undefined;
    return runGuestJob(deps, { ctid: plan.ctid, guest, node: plan.node, kind: 'feature', name: feature.name, jobId, script, ...(beforeJob ? { beforeJob } : {}) });
  };
}

/**
 * The NVIDIA device nodes bound into the container, and the cgroup rules that let it use
 * them (195: nvidia, 234-511 range covers nvidia-uvm's dynamic major on current kernels;
 * the original allowed 243). `optional` keeps the container starting on a host where a
 * node is missing, as the original ended up doing after its GPU start-up race.
 */
export function gpuPassthroughLines(indices: readonly number[]): string[] {
  const nodes = ['/dev/nvidiactl', '/dev/nvidia-uvm', '/dev/nvidia-uvm-tools', ...indices.map((i) => `/dev/nvidia${i}`)];
  return [
    'lxc.cgroup2.devices.allow: c 195:* rwm',
    'lxc.cgroup2.devices.allow: c 243:* rwm',
    ...nodes.map((n) => `lxc.mount.entry: ${n} ${n.slice(1)} none bind,optional,create=file`),
  ];
}
