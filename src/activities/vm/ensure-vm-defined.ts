/**
 * ensure_vm_defined: present → nothing; otherwise a full clone of the template VM, or
 * (for a template built from a cloud image) a create that imports the image as the boot
 * disk, as the original's provision_cloud_template did with `qm create` + `qm set`.
 *
 * The request is sent at most once: its UPID is heartbeated, and a retried attempt first
 * re-attaches to that task, then looks for the VM and for a create/clone still running
 * (qmclone tasks are listed under the *source* VM, qmcreate under the new one). Nothing
 * touches the new VM's config before its task has ended: PVE holds its lock for the whole
 * clone (`can't lock file ... got timeout`).
 */
import { refuseAnotherGuest, type ExpectedGuest } from '../common/another-guest';
import type { CloneTaskHooks } from '../common/clone-task-hooks';
import type { PveClient } from '../../proxmox/client';
import { PveAlreadyExists } from '../../proxmox/errors';
import { formatAgent } from '../../proxmox/property-strings';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { growBootDisk } from './disk';
import { vmLabel } from './label';
import { qemuNet } from './net';

type Wait = (upid: string, what: string) => Promise<unknown>;

export function createEnsureVmDefined(deps: ProvisioningDeps) {
  /** `cloneTask`: what the clone slot held around this step is told of the clone (or create) task; it ends before the unlock wait and the boot disk's resize. */
  return async function ensureVmDefined(plan: VmPlan, cloneTask?: CloneTaskHooks): Promise<StepOutcome & { isTemplate: boolean }> {
    const guest = vmLabel(plan);
    return classified('ensure the VM is defined', guest, async () => {
      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const wait: Wait = (upid, what) => pve.tasks.wait(upid, { what, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });

      const earlier = previousHeartbeat()?.upid;
      if (earlier) await wait(earlier, `creation of ${guest}`).catch(() => undefined);

      const presence = await vm.presence();
      if (presence.state === 'present') {
        refuseAnotherGuest(expected(plan), presence.config);
        const isTemplate = Number(presence.config.template) === 1;
        return { changed: false, summary: isTemplate ? 'already a template' : 'already defined', isTemplate };
      }
      if (presence.state === 'creating') {
        await waitForInFlight(pve, plan, wait, cloneTask);
        return { changed: true, summary: `finished the ${presence.lock} already in progress`, isTemplate: false };
      }

      // The ID was free when read above; a clone granted ahead may only now be sent.
      await cloneTask?.mayClone();
      const sent = await send(pve, plan).catch(async (err) => {
        if (!(err instanceof PveAlreadyExists)) throw err;
        // Our own request, re-sent by the client after a network error: find its task. (Not a
        // guest someone made while this one waited for its clone slot: refused below.)
        await waitForInFlight(pve, plan, wait, cloneTask);
        return { upid: undefined, summary: 'created (request re-sent by the client)' };
      });
      if (sent.upid) {
        heartbeat({ upid: sent.upid });
        await cloneTask?.started(sent.upid);
        await wait(sent.upid, `${sent.summary} of ${guest}`);
        await cloneTask?.ended();
      }
      const config = await vm.waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
      if (!sent.upid) refuseAnotherGuest(expected(plan), config);
      const grown = await growBootDisk(pve, plan, config);
      return { changed: true, summary: grown ? `${sent.summary}; ${grown}` : sent.summary, isTemplate: false };
    });
  };
}

async function send(pve: PveClient, plan: VmPlan): Promise<{ upid: string; summary: string }> {
  const node = pve.node(plan.node);
  if (plan.source.kind === 'clone') {
    const parent = plan.source.parentVmid;
    const upid = await node.qemu(parent).clone({ newid: plan.vmid, name: plan.name, full: true, storage: plan.storage });
    return { upid, summary: `full clone of template VM ${parent}` };
  }
  const image = await resolveImage(pve, plan);
  const upid = await node.qemu(plan.vmid).create({
    name: plan.name,
    memory: plan.memoryMb,
    cores: plan.cores,
    net0: qemuNet(plan.bridge),
    scsihw: 'virtio-scsi-pci',
    scsi0: `${plan.storage}:0,import-from=${image}`,
    ide2: `${plan.storage}:cloudinit`,
    boot: 'order=scsi0',
    serial0: 'socket',
    vga: 'serial0',
    agent: formatAgent({ enabled: true }),
  });
  return { upid, summary: `created from ${image}` };
}

/**
 * A volid is used as is; a file name (the original's form) is looked up among the node's
 * storages holding `import` content (PVE >= 8.2), e.g. `local:import/noble-server-cloudimg-amd64.img`.
 */
async function resolveImage(pve: PveClient, plan: VmPlan): Promise<string> {
  if (plan.source.kind !== 'image') throw new Error('unreachable');
  const value = plan.source.image;
  if (/^[A-Za-z][A-Za-z0-9._-]*:/.test(value)) return value;
  const node = pve.node(plan.node);
  for (const s of await node.storage.list({ content: 'import', enabled: true })) {
    const hit = (await node.storage.content(s.storage, 'import')).find((i) => i.volid.endsWith(`:import/${value}`));
    if (hit) return hit.volid;
  }
  throw permanent(
    `the cloud image '${value}' is not on any storage of node ${plan.node} with 'import' content: download it there ` +
      `(pvesh create /nodes/${plan.node}/storage/local/download-url --content import --filename ${value} --url <url>) ` +
      `or give template_image as a volid such as local:import/${value}`,
    'PhoenixMissingImage',
  );
}

/** Waits for the create or clone task that holds the new VM's lock. */
async function waitForInFlight(pve: PveClient, plan: VmPlan, wait: Wait, cloneTask?: CloneTaskHooks): Promise<void> {
  const node = pve.node(plan.node);
  const task =
    plan.source.kind === 'clone'
      ? await node.tasks.findRunning({ vmid: plan.source.parentVmid, type: 'qmclone' })
      : await node.tasks.findRunning({ vmid: plan.vmid, type: 'qmcreate' });
  if (task) {
    heartbeat({ upid: task.upid });
    await cloneTask?.started(task.upid);
    await wait(task.upid, `creation of VM ${plan.vmid}`);
  }
  await cloneTask?.ended();
  await node.qemu(plan.vmid).waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
}

const expected = (plan: VmPlan): ExpectedGuest => ({ label: 'VM', id: plan.vmid, node: plan.node, nameKey: 'name', name: plan.name });
