/**
 * The lifecycle verbs' Proxmox work: stop, start, destroy, roll back to the guest's snapshot. Each reads
 * the live state and acts on the difference (a stopped guest is not stopped again, a missing one is
 * not destroyed again), heartbeats the task's UPID, and a retry re-attaches to that task.
 */
import type { StepOutcome } from '../../shared/progress';
import { cloneParentId, PRE_CONFIGURED, reconfigureSnapshotName, type PhoenixConfig } from '../../config';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export interface GuestRef {
  kind: 'lxc' | 'vm';
  id: number;
}

/** The snapshot `reconfigure` returns to (see reconfigureSnapshotName). */
export function reconfigureSnapshot(config: PhoenixConfig, g: GuestRef): string {
  const guest = [...config.containers, ...config.vms].find((c) => c.kind === g.kind && c.id === g.id);
  return guest ? reconfigureSnapshotName(guest) : PRE_CONFIGURED;
}

const label = (g: GuestRef) => `${g.kind === 'lxc' ? 'CT' : 'VM'} ${g.id}`;

export function createGuestVerbs(deps: ProvisioningDeps) {
  async function guestClient(g: GuestRef) {
    const pve = await deps.pve();
    const { api } = await deps.connection();
    const node = pve.node(api.node);
    return { pve, guest: g.kind === 'lxc' ? node.lxc(g.id) : node.qemu(g.id), node: api.node };
  }

  /** Waits for the task the previous attempt heartbeated (it may still run), then for `upid`. */
  async function waitTask(pve: Awaited<ReturnType<ProvisioningDeps['pve']>>, upid: string, what: string) {
    heartbeat({ upid, state: what });
    await pve.tasks.wait(upid, { what, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
  }

  async function reattach(pve: Awaited<ReturnType<ProvisioningDeps['pve']>>, what: string) {
    const earlier = previousHeartbeat()?.upid;
    if (earlier) await pve.tasks.wait(earlier, { what, signal: cancellation() }).catch(() => undefined);
  }

  async function stop(g: GuestRef): Promise<StepOutcome> {
    const { pve, guest } = await guestClient(g);
    await reattach(pve, `stop of ${label(g)}`);
    const presence = await guest.presence();
    if (presence.state === 'absent') return { changed: false, summary: `${label(g)} does not exist` };
    const result = await guest.stop();
    if (!result.upid) return { changed: false, summary: 'already stopped' };
    await waitTask(pve, result.upid, `stop of ${label(g)}`);
    return { changed: true, summary: 'stopped' };
  }

  return {
    async stopGuest(g: GuestRef): Promise<StepOutcome> {
      return classified('stop the guest', label(g), () => stop(g));
    },

    async startGuest(g: GuestRef): Promise<StepOutcome> {
      return classified('start the guest', label(g), async () => {
        const { pve, guest } = await guestClient(g);
        await reattach(pve, `start of ${label(g)}`);
        if ((await guest.presence()).state === 'absent') throw permanent(`${label(g)} does not exist: provision it with "phoenix-client start ${g.id}"`, 'PhoenixGuestMissing');
        const result = await guest.start();
        if (!result.upid) return { changed: false, summary: 'already running' };
        await waitTask(pve, result.upid, `start of ${label(g)}`);
        return { changed: true, summary: 'started' };
      });
    },

    /** Stops, then destroys (purge). Refuses a template whose clones still exist; gone already: no-op. */
    async destroyGuest(g: GuestRef): Promise<StepOutcome> {
      return classified('delete the guest', label(g), async () => {
        const { pve, guest } = await guestClient(g);
        await reattach(pve, `removal of ${label(g)}`);
        if ((await guest.presence()).state === 'absent') return { changed: false, summary: `${label(g)} is already gone` };
        const config = await deps.loadConfig();
        const clones = [...config.containers, ...config.vms].filter((c) => c.kind === g.kind && cloneParentId(c) === g.id);
        const present: number[] = [];
        for (const c of clones) {
          const { guest: clone } = await guestClient({ kind: c.kind, id: c.id });
          if ((await clone.presence()).state !== 'absent') present.push(c.id);
        }
        if (present.length > 0) {
          throw permanent(
            `${label(g)} is the template of ${present.map((id) => label({ kind: g.kind, id })).join(', ')}, which still exist${present.length > 1 ? '' : 's'}; delete ${present.length > 1 ? 'them' : 'it'} first`,
            'PhoenixTemplateInUse',
          );
        }
        await stop(g);
        const upid = await guest.destroy({ purge: true });
        await waitTask(pve, upid, `removal of ${label(g)}`);
        return { changed: true, summary: 'destroyed' };
      });
    },

    /** Rolls back to the guest's configured snapshot (stopped first, as PVE requires for a container). */
    async rollbackToPreConfigured(g: GuestRef): Promise<StepOutcome> {
      return classified('roll back to the configured snapshot', label(g), async () => {
        const { pve, guest } = await guestClient(g);
        await reattach(pve, `rollback of ${label(g)}`);
        if ((await guest.presence()).state === 'absent') throw permanent(`${label(g)} does not exist: provision it with "phoenix-client start ${g.id}"`, 'PhoenixGuestMissing');
        const name = reconfigureSnapshot(await deps.loadConfig(), g);
        const snapshots = await guest.snapshots();
        if (!snapshots.some((s) => s.name === name)) {
          throw permanent(
            `${label(g)} has no '${name}' snapshot to roll back to (it has: ${snapshots.filter((s) => s.name !== 'current').map((s) => s.name).join(', ') || 'none'}); "phoenix-client start ${g.id}" converges it instead`,
            'PhoenixNoSnapshot',
          );
        }
        await stop(g);
        const upid = await guest.rollback(name);
        await waitTask(pve, upid, `rollback of ${label(g)}`);
        return { changed: true, summary: `rolled back to ${name}` };
      });
    },
  };
}
