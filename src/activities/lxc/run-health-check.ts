/**
 * run_health_check: each check runs inside the container (`sh -c <command>`) until it
 * passes or its retries are spent. It heartbeats throughout, also while a probe runs and
 * while it waits out the interval (which may be far longer than the heartbeat timeout), and
 * the heartbeat carries which check and try it reached: a retried attempt skips the checks
 * that passed and continues the count instead of granting a fresh set of tries.
 * A check that never passes fails the step with its last output.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, previousHeartbeat } from '../common/heartbeat';
import { keepBeating } from '../common/keep-beating';
import { sleep } from '../common/sleep';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createRunHealthCheck(deps: ProvisioningDeps) {
  return async function runHealthCheck(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('run health checks', guest, () =>
      deps.withHost(async (host) => {
        const passed: string[] = [];
        const resume = previousHeartbeat()?.probe;
        for (const [index, check] of plan.healthChecks.entries()) {
          if (resume && index < resume.check) {
            passed.push(check.name);
            continue;
          }
          let last = '';
          const spent = resume && index === resume.check ? Math.max(0, Math.min(resume.attempt, check.retries - 1)) : 0;
          for (let attempt = spent + 1; ; attempt++) {
            const running = { state: `${check.name}: attempt ${attempt}/${check.retries} running`, probe: { check: index, attempt: attempt - 1 } };
            const r = await keepBeating(running, host.pct.pctExec(plan.ctid, ['sh', '-c', check.command], { timeoutMs: 60_000 }));
            const finished = { state: `${check.name}: attempt ${attempt}/${check.retries} exited ${r.code}`, probe: { check: index, attempt } };
            heartbeat(finished);
            if (r.code === 0) break;
            last = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
            if (attempt >= check.retries) {
              throw permanent(
                `health check '${check.name}' failed ${check.retries} times in ${guest} (command: ${check.command})` +
                  (last ? `; last output:\n${last}` : ''),
                'PhoenixHealthCheckFailed',
              );
            }
            await keepBeating(finished, sleep(check.intervalSeconds * 1000, cancellation()));
          }
          passed.push(check.name);
        }
        return { changed: false, summary: passed.length ? `healthy: ${passed.join(', ')}` : 'no health checks' };
      }, cancellation()),
    );
  };
}
