/**
 * run_health_check: each check runs inside the container (`sh -c <command>`) until it
 * passes or its retries are spent, heartbeating between attempts. A check that never
 * passes fails the step with its last output.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createRunHealthCheck(deps: ProvisioningDeps) {
  return async function runHealthCheck(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('run health checks', guest, () =>
      deps.withHost(async (host) => {
        const passed: string[] = [];
        for (const check of plan.healthChecks) {
          let last = '';
          for (let attempt = 1; ; attempt++) {
            const r = await host.pct.pctExec(plan.ctid, ['sh', '-c', check.command], { timeoutMs: 60_000 });
            heartbeat({ state: `${check.name}: attempt ${attempt}/${check.retries} exited ${r.code}` });
            if (r.code === 0) break;
            last = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
            if (attempt >= check.retries) {
              throw permanent(
                `health check '${check.name}' failed ${check.retries} times in ${guest} (command: ${check.command})` +
                  (last ? `; last output:\n${last}` : ''),
                'PhoenixHealthCheckFailed',
              );
            }
            await sleep(check.intervalSeconds * 1000, cancellation());
          }
          passed.push(check.name);
        }
        return { changed: false, summary: passed.length ? `healthy: ${passed.join(', ')}` : 'no health checks' };
      }, cancellation()),
    );
  };
}
