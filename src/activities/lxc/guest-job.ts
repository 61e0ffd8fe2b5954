/**
 * Runs a composed guest script inside a container as a detached job and waits for it,
 * heartbeating the job id and the log's tail. The job id comes from the workflow (run +
 * step), so a retried attempt re-attaches to the job it started instead of starting it
 * again. A script whose hash is recorded in the container already ran with these exact
 * inputs and is skipped.
 */
import type { StepOutcome } from '../../shared/progress';
import { classified, permanent } from '../common/classify';
import { appliedMarker, APPLIED_DIR, type ComposedScript } from '../common/guest-scripts';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';

const POLL_MS = 2_000;

export interface GuestJobRequest {
  ctid: number;
  guest: string;
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
      const recorded = await host.pct.pctExec(req.ctid, ['cat', marker]);
      if (recorded.code === 0 && recorded.stdout.trim() === req.script.sha256) {
        const summary = `unchanged (sha256 ${req.script.sha256.slice(0, 12)})`;
        return { changed: hostChange !== undefined, summary: hostChange ? `${hostChange}; script ${summary}` : summary };
      }

      const { started } = await host.jobs.startJob(req.ctid, req.jobId, { script: req.script.text });
      heartbeat({ jobId: req.jobId, state: started ? 'started' : 're-attached' });
      const signal = cancellation();
      for (;;) {
        const status = await host.jobs.jobStatus(req.ctid, req.jobId, { logLines: 15 });
        heartbeat({ jobId: req.jobId, state: status.state, logTail: status.logTail.slice(-2000) });
        if (status.state === 'succeeded') break;
        if (status.state === 'failed' || status.state === 'missing') {
          const why =
            status.state === 'missing' ? 'never started' : status.lost ? 'was killed (no exit status)' : `exited with ${status.exitCode}`;
          throw permanent(
            `${operation} in ${req.guest} ${why}; log tail:\n${status.logTail.trim()}`,
            'PhoenixGuestScriptFailed',
          );
        }
        await sleep(POLL_MS, signal);
      }
      await host.pct.pctExecChecked(req.ctid, ['sh', '-c', 'mkdir -p "$1" && printf %s "$2" > "$3"', 'phoenix-mark', APPLIED_DIR, req.script.sha256, marker]);
      return { changed: true, summary: `${started ? 'ran' : 'finished'} job ${req.jobId}${hostChange ? `; ${hostChange}` : ''}` };
    }, cancellation()),
  );
}

