/**
 * ensure_container_defined: present → nothing; otherwise create it from its ostemplate or
 * clone the parent's template snapshot, then wait for the task.
 *
 * The request is sent at most once per container: the UPID is heartbeated, and a retried
 * attempt (after a crash or a lost connection) first looks for the guest and for a task
 * already running, and waits for that instead of sending again. proxmox-api itself may
 * re-send a POST after a network error, so "already exists" right after we saw the ID
 * free means our own request got through.
 */
import { refuseAnotherGuest, type ExpectedGuest } from '../common/another-guest';
import type { CloneTaskHooks } from '../common/clone-task-hooks';
import type { LxcPlan } from '../../shared/lxc-plan';
import type { StepOutcome } from '../../shared/progress';
import type { PveClient } from '../../proxmox/client';
import type { GuestConfig } from '../../proxmox/guest-common';
import { PveAlreadyExists } from '../../proxmox/errors';
import { tightPollDelayMs } from '../../shared/poll-delay';
import { formatNet, formatPropertyString } from '../../proxmox/property-strings';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';

export function createEnsureContainerDefined(deps: ProvisioningDeps) {
  /** `cloneTask`: what the clone slot held around this step is told of the clone (or create) task. */
  return async function ensureContainerDefined(plan: LxcPlan, cloneTask?: CloneTaskHooks): Promise<StepOutcome> {
    const guest = `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`;
    return classified('ensure the container is defined', guest, async () => {
      const pve = await deps.pve();
      const node = pve.node(plan.node);
      const ct = node.lxc(plan.ctid);
      // A clone holds its source's clone slot while we wait: notice its end promptly (siblings queue behind it).
      const pollDelay = plan.source.kind === 'clone' ? (_polls: number, elapsedMs: number) => tightPollDelayMs(elapsedMs) : undefined;
      const wait = (upid: string, what: string) =>
        pve.tasks.wait(upid, { what, signal: cancellation(), onProgress: heartbeatingProgress({ upid }), ...(pollDelay ? { pollDelay } : {}) });

      // A previous attempt sent the request: re-attach to its task.
      const earlier = previousHeartbeat()?.upid;
      if (earlier) await wait(earlier, `creation of ${guest}`).catch(() => undefined);

      const presence = await ct.presence();
      if (presence.state === 'present') {
        refuseAnotherGuest(expected(plan), presence.config);
        return { changed: false, summary: 'already defined' };
      }
      if (presence.state === 'creating') {
        await waitForInFlight(pve, plan, wait, cloneTask);
        return { changed: true, summary: `finished the ${presence.lock} already in progress` };
      }

      // The ID was free when read above; a clone granted ahead may only now be sent.
      await cloneTask?.mayClone();
      const { upid, summary } = await send(pve, plan).catch(async (err) => {
        if (!(err instanceof PveAlreadyExists)) throw err;
        // Our own request, re-sent by the client after a network error: find its task. (Not a
        // guest someone made while this one waited for its clone slot: that one is refused.)
        refuseAnotherGuest(expected(plan), await waitForInFlight(pve, plan, wait, cloneTask));
        return { upid: undefined, summary: 'created (request re-sent by the client)' };
      });
      if (upid) {
        heartbeat({ upid });
        await cloneTask?.started(upid);
        await wait(upid, `${summary} of ${guest}`);
        await cloneTask?.ended();
      }
      await ct.waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
      return { changed: true, summary };
    });
  };
}

async function send(pve: PveClient, plan: LxcPlan): Promise<{ upid: string; summary: string }> {
  const node = pve.node(plan.node);
  if (plan.source.kind === 'clone') {
    const { parentCtid, parentSnapshot } = plan.source;
    // The request goes to the node holding the parent; another node only as a clone with
    // target (shared storage: PVE refuses it from local storage).
    const parentNode = plan.source.parentNode ?? plan.node;
    // A full clone of the snapshot onto the configured storage: the parent is a regular
    // container with a named snapshot (as in the original), so PVE offers no linked clone.
    const upid = await pve.node(parentNode).lxc(parentCtid).clone({
      newid: plan.ctid,
      hostname: plan.hostname,
      snapname: parentSnapshot,
      full: true,
      storage: plan.storage,
      ...(parentNode !== plan.node ? { target: plan.node } : {}),
    });
    return { upid, summary: `cloned from ${parentCtid}@${parentSnapshot}${parentNode !== plan.node ? ` on ${parentNode} to ${plan.node}` : ''}` };
  }
  const ostemplate = await resolveOstemplate(pve, plan);
  const upid = await node.createContainer({
    vmid: plan.ctid,
    ostemplate,
    hostname: plan.hostname,
    rootfs: `${plan.storage}:${plan.rootfsGb}`,
    cores: plan.cores,
    memory: plan.memoryMb,
    swap: plan.swapMb,
    unprivileged: plan.unprivileged,
    onboot: false,
    extra: {
      net0: formatNet({ ...plan.net0 }),
      // Only nesting may be set with an API token; other flags follow over SSH.
      ...(plan.pctFeatures.nesting ? { features: formatPropertyString({ nesting: plan.pctFeatures.nesting }) } : {}),
    },
  });
  return { upid, summary: `created from ${ostemplate}` };
}

/** A volid is used as is; a file name or host path (the original's form) is looked up in the node's storages. */
async function resolveOstemplate(pve: PveClient, plan: LxcPlan): Promise<string> {
  if (plan.source.kind !== 'ostemplate') throw new Error('unreachable');
  const value = plan.source.ostemplate;
  if (/^[A-Za-z][A-Za-z0-9._-]*:/.test(value)) return value;
  const file = value.split('/').pop() ?? value;
  const found = await pve.node(plan.node).storage.findTemplate(file);
  if (!found) {
    throw permanent(
      `the container template '${file}' is not on any storage of node ${plan.node}: download it ` +
        `(pveam download <storage> ${file}) or give the template as a volid such as local:vztmpl/${file}`,
      'PhoenixMissingTemplate',
    );
  }
  return found;
}

/** Waits for the create or clone task that holds the new container's lock; its config once unlocked. */
async function waitForInFlight(
  pve: PveClient,
  plan: LxcPlan,
  wait: (upid: string, what: string) => Promise<unknown>,
  cloneTask?: CloneTaskHooks,
): Promise<GuestConfig> {
  const node = pve.node(plan.source.kind === 'clone' ? (plan.source.parentNode ?? plan.node) : plan.node);
  const task =
    plan.source.kind === 'clone'
      ? await node.tasks.findRunning({ vmid: plan.source.parentCtid, type: 'vzclone' })
      : await node.tasks.findRunning({ vmid: plan.ctid, type: 'vzcreate' });
  if (task) {
    heartbeat({ upid: task.upid });
    await cloneTask?.started(task.upid);
    await wait(task.upid, `creation of CT ${plan.ctid}`);
  }
  await cloneTask?.ended();
  return pve.node(plan.node).lxc(plan.ctid).waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
}

const expected = (plan: LxcPlan): ExpectedGuest => ({ label: 'CT', id: plan.ctid, node: plan.node, nameKey: 'hostname', name: plan.hostname });
