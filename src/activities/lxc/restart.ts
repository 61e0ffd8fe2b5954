/**
 * Settings written to the container's config file (raw lxc.* lines, GPU passthrough, mount
 * points and feature flags set over SSH) take effect at the next start. A running container
 * is restarted so the live container matches its configuration; a stopped one simply picks
 * them up when started.
 *
 * The need for that restart is recorded on the host before the write (a marker file under
 * /run, which a host reboot clears along with every container's old state) and removed only
 * once the restart is done. A retried attempt finds nothing left to write, but reads the
 * marker back and finishes the restart: a worker killed between the write and the restart, or
 * between stopping and starting the container, leaves no container stopped or running stale
 * settings.
 */
import type { LxcPlan } from '../../shared/lxc-plan';
import type { PveClient } from '../../proxmox/client';
import { assertCtid } from '../../ssh/pct';
import { cancellation, heartbeatingProgress } from '../common/heartbeat';
import type { HostSession } from '../common/provisioning-deps';

export const RESTART_PENDING_DIR = '/run/phoenix/restart-pending';

const markerPath = (ctid: number) => `${RESTART_PENDING_DIR}/${assertCtid(ctid)}`;

/** Records, before a write that needs it, that the container must be restarted. */
export async function markRestartPending(host: HostSession, ctid: number, why: string): Promise<void> {
  await host.run.execChecked(['mkdir', '-p', RESTART_PENDING_DIR], { idempotent: true });
  await host.run.writeFile(markerPath(ctid), `${why}\n`);
}

export async function restartPending(host: HostSession, ctid: number): Promise<boolean> {
  return (await host.run.exec(['test', '-e', markerPath(ctid)], { idempotent: true })).code === 0;
}

/**
 * Finishes a recorded restart: a running container is restarted; a stopped one is started
 * when `startIfStopped` (a step that needs it running, e.g. before a feature's job) and
 * otherwise left for its next start. Returns whether the container was (re)started.
 */
export async function finishPendingRestart(pve: PveClient, host: HostSession, plan: LxcPlan, opts: { startIfStopped: boolean }): Promise<boolean> {
  if (!(await restartPending(host, plan.ctid))) return false;
  const ct = pve.node(plan.node).lxc(plan.ctid);
  const progress = { signal: cancellation(), onProgress: heartbeatingProgress({ state: 'restarting' }) };
  const running = (await ct.status()).status === 'running';
  if (running) await ct.ensureStopped({ graceful: { timeoutS: 60 } }, progress);
  if (running || opts.startIfStopped) await ct.ensureRunning(progress);
  await host.run.execChecked(['rm', '-f', markerPath(plan.ctid)], { idempotent: true });
  return running || opts.startIfStopped;
}
