/**
 * run_health_check: each check runs inside the container (`sh -c <command>`) until it
 * passes or its retries are spent. It heartbeats throughout, also while a probe runs and
 * while it waits out the interval (which may be far longer than the heartbeat timeout), and
 * the heartbeat carries which check and try it reached: a retried attempt skips the checks
 * that passed and continues the count instead of granting a fresh set of tries.
 * A probe cut off by a dropped SSH connection is run again on a new connection, not counted.
 * A check that never passes fails the step with its last output.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, previousHeartbeat } from '../common/heartbeat';
import { keepBeating } from '../common/keep-beating';
import { readPatiently } from '../common/read-retry';
import { sleep } from '../common/sleep';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createRunHealthCheck(deps: ProvisioningDeps) {
  return async function runHealthCheck(plan: LxcPlan): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    const signal = cancellation();
    return classified('run health checks', guest, async () => {
      // Where the checks stand: which check, and how many of its tries gave an answer. Carried in
      // the heartbeat (a retried attempt continues from it) and across reconnects within the
      // attempt (a probe cut off by a dropped connection gave no answer and is not counted).
      const resume = previousHeartbeat()?.probe;
      const at = { check: resume?.check ?? 0, spent: resume?.attempt ?? 0 };
      const passed = plan.healthChecks.slice(0, at.check).map((c) => c.name);
      await readPatiently(
        () =>
          deps.withHost(async (host) => {
            for (; at.check < plan.healthChecks.length; at.check++, at.spent = 0) {
              const check = plan.healthChecks[at.check]!;
              at.spent = Math.max(0, Math.min(at.spent, check.retries - 1));
              for (;;) {
                const attempt = at.spent + 1;
                const running = { state: `${check.name}: attempt ${attempt}/${check.retries} running`, probe: { check: at.check, attempt: at.spent } };
                const r = await keepBeating(running, host.pct.pctExec(plan.ctid, ['sh', '-c', check.command], { timeoutMs: 60_000 }));
                at.spent = attempt;
                const finished = { state: `${check.name}: attempt ${attempt}/${check.retries} exited ${r.code}`, probe: { check: at.check, attempt } };
                heartbeat(finished);
                if (r.code === 0) break;
                const last = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
                if (attempt >= check.retries) {
                  throw permanent(
                    `health check '${check.name}' failed ${check.retries} times in ${guest} (command: ${check.command})` + (last ? `; last output:\n${last}` : ''),
                    'PhoenixHealthCheckFailed',
                  );
                }
                await keepBeating(finished, sleep(check.intervalSeconds * 1000, signal));
              }
              passed.push(check.name);
            }
          }, signal, plan.node),
        { signal, onRetry: (err) => heartbeat({ state: `health checks: SSH ${err.message.slice(0, 120)}; reconnecting`, probe: { check: at.check, attempt: at.spent } }) },
      );
      return { changed: false, summary: passed.length ? `healthy: ${passed.join(', ')}` : 'no health checks' };
    });
  };
}
