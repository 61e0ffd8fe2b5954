/**
 * run_health_check: each check runs inside the container (`sh -c <command>`) until it
 * passes or its retries are spent. It heartbeats throughout, also while a probe runs and
 * while it waits out the interval (which may be far longer than the heartbeat timeout), and
 * the heartbeat carries which check and try it reached: a retried attempt skips the checks
 * that passed and continues the count instead of granting a fresh set of tries.
 * A probe cut off by a dropped SSH connection is run again on a new connection, not counted.
 * A check that never passes fails the step with its last output. Checks on their first try run
 * together in one exec, up to the first that fails, so a healthy guest costs one round trip.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, previousHeartbeat } from '../common/heartbeat';
import { keepBeating } from '../common/keep-beating';
import { readPatiently } from '../common/read-retry';
import { sleep } from '../common/sleep';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';

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
            while (at.check < plan.healthChecks.length) {
              const check = plan.healthChecks[at.check]!;
              at.spent = Math.max(0, Math.min(at.spent, check.retries - 1));
              // A check on its first try runs together with the ones after it, in one exec,
              // up to the first that fails (a converged guest's checks cost one round trip);
              // a check being retried runs alone.
              const batch = at.spent === 0 ? plan.healthChecks.slice(at.check) : [check];
              const running = { state: `${check.name}: attempt ${at.spent + 1}/${check.retries} running`, probe: { check: at.check, attempt: at.spent } };
              const r = await keepBeating(running, runProbes(host, plan.ctid, batch.map((c) => c.command)));
              for (const ok of batch.slice(0, r.passed)) passed.push(ok.name);
              if (r.passed > 0) {
                at.check += r.passed;
                at.spent = 0;
              }
              if (!r.failure) continue;
              const failing = plan.healthChecks[at.check]!;
              const attempt = at.spent + 1;
              at.spent = attempt;
              const finished = { state: `${failing.name}: attempt ${attempt}/${failing.retries} exited ${r.failure.code}`, probe: { check: at.check, attempt } };
              heartbeat(finished);
              const last = r.failure.output.trim().split('\n').slice(-5).join('\n');
              if (attempt >= failing.retries) {
                throw permanent(
                  `health check '${failing.name}' failed ${failing.retries} times in ${guest} (command: ${failing.command})` + (last ? `; last output:\n${last}` : ''),
                  'PhoenixHealthCheckFailed',
                );
              }
              await keepBeating(finished, sleep(failing.intervalSeconds * 1000, signal));
            }
          }, signal, plan.node),
        { signal, onRetry: (err) => heartbeat({ state: `health checks: SSH ${err.message.slice(0, 120)}; reconnecting`, probe: { check: at.check, attempt: at.spent } }) },
      );
      return { changed: false, summary: passed.length ? `healthy: ${passed.join(', ')}` : 'no health checks' };
    });
  };
}

// `sh -c PROBES phoenix-probes <command...>`: runs each check command in turn (each its own
// `sh -c`, the commands arriving as positional parameters) until one exits non-zero; prints
// `phoenix-probe-failed <index> <code>` and that command's output, or `phoenix-probes-passed`.
const PROBES = [
  'i=0',
  'for c do',
  '  out=$(sh -c "$c" 2>&1 < /dev/null); code=$?',
  '  if [ "$code" -ne 0 ]; then echo "phoenix-probe-failed $i $code"; printf "%s\\n" "$out"; exit 0; fi',
  '  i=$((i + 1))',
  'done',
  'echo phoenix-probes-passed',
].join('\n');

/** How many of the commands passed before the first failure, and that failure's exit code and output. */
async function runProbes(host: HostSession, ctid: number, commands: readonly string[]): Promise<{ passed: number; failure?: { code: number; output: string } }> {
  const r = await host.pct.pctExec(ctid, ['sh', '-c', PROBES, 'phoenix-probes', ...commands], { timeoutMs: 60_000 * commands.length });
  // The commands' own output is captured by the script: stdout is one of its two answers.
  if (r.code === 0 && r.stdout === 'phoenix-probes-passed\n') return { passed: commands.length };
  const failed = r.code === 0 ? /^phoenix-probe-failed (\d+) (\d+)\n/.exec(r.stdout) : null;
  if (failed) return { passed: Number(failed[1]), failure: { code: Number(failed[2]), output: r.stdout.slice(failed[0].length) } };
  // `pct exec` itself failed (the container is not running, say): a failed try of the first check.
  return { passed: 0, failure: { code: r.code ?? 255, output: r.stderr || r.stdout } };
}
