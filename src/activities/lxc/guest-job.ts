/**
 * Runs a composed guest script inside a container as a detached job and waits for it,
 * heartbeating the job id and the log's tail. The job id comes from the workflow (run +
 * step), so a retried attempt re-attaches to the job it started instead of starting it
 * again. A script whose hash is recorded in the container already ran with these exact
 * inputs and is skipped.
 *
 * A later run (after a cancel, or a run that failed while its job went on) has another job id,
 * so before starting its own job it looks for a job of the same step still running in the
 * guest and waits for it: no feature script ever runs twice at once. When that job (or an
 * earlier one) ran this very script to success, its result is taken over rather than running
 * the script again. A cancelled step leaves its job running to completion: stopping an
 * installer halfway (apt, dpkg, a driver build) would leave the guest worse off than letting
 * it finish, and the next run picks its result up.
 */
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { appliedMarker, APPLIED_DIR, type ComposedScript } from '../common/guest-scripts';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import { pollDelayMs } from '../../shared/poll-delay';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';

export interface GuestJobRequest {
  ctid: number;
  guest: string;
  /** Node the container lives on (its shell is reached there). */
  node: string;
  kind: 'feature' | 'app';
  name: string;
  jobId: string;
  script: ComposedScript;
  /** Runs on the host before the job (e.g. GPU passthrough lines); returns what it changed. */
  beforeJob?: (host: HostSession) => Promise<string | undefined>;
}

export async function runGuestJob(deps: ProvisioningDeps, req: GuestJobRequest): Promise<StepOutcome> {
  const operation = req.kind === 'feature' ? `apply feature ${req.name}` : `run application script ${req.name}`;
  return classified(operation, req.guest, () =>
    deps.withHost(async (host) => {
      const hostChange = req.beforeJob ? await req.beforeJob(host) : undefined;
      const marker = appliedMarker(req.kind, req.name);
      const recorded = await host.pct.pctExec(req.ctid, ['cat', marker], { idempotent: true });
      if (recorded.code === 0 && recorded.stdout.trim() === req.script.sha256) {
        const summary = `unchanged (sha256 ${req.script.sha256.slice(0, 12)})`;
        return { changed: hostChange !== undefined, summary: hostChange ? `${hostChange}; script ${summary}` : summary };
      }

      const adopted = await earlierJob(host, req);
      if (adopted) {
        await markApplied(host, req, marker);
        return { changed: true, summary: `finished job ${adopted} (started by an earlier run)${hostChange ? `; ${hostChange}` : ''}` };
      }

      let { started } = await host.jobs.startJob(req.ctid, req.jobId, { script: req.script.text });
      heartbeat({ jobId: req.jobId, state: started ? 'started' : 're-attached' });
      const signal = cancellation();
      let relaunches = 0;
      for (let polls = 1; ; polls++) {
        const status = await host.jobs.jobStatus(req.ctid, req.jobId, { logLines: 15 });
        heartbeat({ jobId: req.jobId, state: status.state, logTail: status.logTail.slice(-2000) });
        if (status.state === 'succeeded') break;
        // No job folder: nothing ran. A launcher cut short by a dropped connection can undo its
        // claim after this attempt's start found it: start again (the launcher runs a job id once).
        if (status.state === 'missing' && relaunches < 3) {
          relaunches++;
          ({ started } = await host.jobs.startJob(req.ctid, req.jobId, { script: req.script.text }));
          continue;
        }
        if (status.state === 'failed' || status.state === 'missing') {
          const why =
            status.state === 'missing' ? 'never started' : status.lost ? 'was killed (no exit status)' : `exited with ${status.exitCode}`;
          throw permanent(
            `${operation} in ${req.guest} ${why}; log tail:\n${status.logTail.trim()}`,
            'PhoenixGuestScriptFailed',
          );
        }
        await sleep(pollDelayMs(polls), signal);
      }
      await markApplied(host, req, marker);
      return { changed: true, summary: `${started ? 'ran' : 'finished'} job ${req.jobId}${hostChange ? `; ${hostChange}` : ''}` };
    }, cancellation(), req.node),
  );
}


/** What job ids of this step end with (the workflow's `<workflow>-<run>-<stepKey>`). */
export function stepKeyOf(req: Pick<GuestJobRequest, 'kind' | 'name'>): string {
  return (req.kind === 'feature' ? `feature-${req.name}` : 'app').replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Waits for every other job of this step still running in the guest (an earlier run's), then
 * returns the id of one that ran this exact script to success, if any.
 */
async function earlierJob(host: HostSession, req: GuestJobRequest): Promise<string | undefined> {
  const signal = cancellation();
  for (let polls = 1; ; polls++) {
    const others = (await host.jobs.listJobs(req.ctid, stepKeyOf(req))).filter((j) => j.jobId !== req.jobId);
    const running = others.find((j) => j.state === 'running');
    if (!running) return others.find((j) => j.state === 'succeeded' && j.scriptSha256 === req.script.sha256)?.jobId;
    heartbeat({ jobId: running.jobId, state: `waiting for job ${running.jobId} of an earlier run to end` });
    await sleep(pollDelayMs(polls), signal);
  }
}

async function markApplied(host: HostSession, req: GuestJobRequest, marker: string): Promise<void> {
  await host.pct.pctExecChecked(req.ctid, ['sh', '-c', 'mkdir -p "$1" && printf %s "$2" > "$3"', 'phoenix-mark', APPLIED_DIR, req.script.sha256, marker], { idempotent: true });
}
