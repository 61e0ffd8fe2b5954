/** run_application_script: the container's application script (vLLM unit, Qdrant, Ollama, ...) as a job. */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { composeScript } from '../common/guest-scripts';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { runGuestJob } from './guest-job';

export function createRunApplicationScript(deps: ProvisioningDeps) {
  return async function runApplicationScript({ plan, jobId }: { plan: LxcPlan; jobId: string }): Promise<StepOutcome> {
    if (!plan.application) return { changed: false, summary: 'no application script' };
    const { script: file, env } = plan.application;
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const script = await composeScript(deps.scriptsRoot, 'apps', file, env, `Phoenix application ${file} for CT ${plan.ctid}`);
    return runGuestJob(deps, { ctid: plan.ctid, guest, node: plan.node, kind: 'app', name: file.replace(/\.sh$/, ''), jobId, script });
  };
}
