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
import { appliedMarker, type ComposedScript } from '../common/guest-scripts';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import { abortError } from '../../shared/abort';
import { MAX_POLL_MS, pollDelayMs } from '../../shared/poll-delay';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';
import type { JobStatus, StepStart } from '../../ssh/jobs';

/**
 * How long the first exec waits in the guest for a job it started to end: most feature scripts
 * end within it, and the whole step is then one `pct exec`. Later looks wait up to
 * MAX_POLL_MS each (an exec returns as soon as the job ends, so waiting longer costs nothing but
 * heartbeat and cancellation latency, both well under the heartbeat timeout).
 */
const FIRST_WAIT_MS = 1_000;
const LOG_LINES = 15;

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
      const withHostChange = (summary: string) => (hostChange ? `${summary}; ${hostChange}` : summary);
      const marker = appliedMarker(req.kind, req.name);
      const signal = cancellation();

      const first = await firstLook(host, req, marker, signal);
      if (first.kind === 'applied') {
        const summary = `unchanged (sha256 ${req.script.sha256.slice(0, 12)})`;
        return { changed: hostChange !== undefined, summary: hostChange ? `${hostChange}; script ${summary}` : summary };
      }
      if (first.kind === 'adopted') return { changed: true, summary: withHostChange(`finished job ${first.jobId} (started by an earlier run)`) };

      const { started } = first;
      let status: JobStatus = first.status;
      heartbeat({ jobId: req.jobId, state: started ? 'started' : 're-attached' });
      for (;;) {
        heartbeat({ jobId: req.jobId, state: status.state, logTail: status.logTail.slice(-2000) });
        if (status.state === 'succeeded') break; // the exec that saw it wrote the applied marker
        if (status.state === 'failed' || status.state === 'missing') {
          const why =
            status.state === 'missing' ? 'never started' : status.lost ? 'was killed (no exit status)' : `exited with ${status.exitCode}`;
          throw permanent(`${operation} in ${req.guest} ${why}; log tail:\n${status.logTail.trim()}`, 'PhoenixGuestScriptFailed');
        }
        if (signal.aborted) throw abortError(signal);
        status = await host.jobs.jobStatus(req.ctid, req.jobId, {
          logLines: LOG_LINES,
          waitMs: MAX_POLL_MS,
          applied: { marker, sha256: req.script.sha256 },
        });
      }
      return { changed: true, summary: withHostChange(`${started ? 'ran' : 'finished'} job ${req.jobId}`) };
    }, cancellation(), req.node),
  );
}

/**
 * The step's first look (jobs.runStep: one exec). While a job of this step from an earlier run
 * is still running, waits for it and looks again: no feature script ever runs twice at once.
 */
async function firstLook(host: HostSession, req: GuestJobRequest, marker: string, signal: AbortSignal): Promise<Exclude<StepStart, { kind: 'waiting' }>> {
  for (let polls = 1; ; polls++) {
    const look = await host.jobs.runStep(req.ctid, req.jobId, { script: req.script.text, stepKey: stepKeyOf(req), marker, logLines: LOG_LINES, waitMs: FIRST_WAIT_MS });
    if (look.kind !== 'waiting') return look;
    heartbeat({ jobId: look.jobId, state: `waiting for job ${look.jobId} of an earlier run to end` });
    await sleep(pollDelayMs(polls), signal);
  }
}

/** What job ids of this step end with (the workflow's `<workflow>-<run>-<stepKey>`). */
export function stepKeyOf(req: Pick<GuestJobRequest, 'kind' | 'name'>): string {
  return (req.kind === 'feature' ? `feature-${req.name}` : 'app').replace(/[^A-Za-z0-9._-]/g, '_');
}
