/**
 * convert_to_template, as the original did it: inside the guest `cloud-init clean` and an
 * empty /etc/machine-id (so every clone boots as a new instance with its own id), then a
 * clean shutdown (forced stop as fallback) and `POST .../template`.
 *
 * Idempotent: an existing template is left alone. A retry re-attaches to the template task
 * it sent; a VM found stopped after the guest was cleaned is not started again. The cleaning
 * is recorded on the VM itself, as a tag bound to its vmgenid (`phoenix-cleaned-<id>`), right
 * after it is done: the heartbeated `state` alone is throttled and a crash may lose it, which
 * booted, cleaned and shut the VM down a second time. A clone gets a new vmgenid, so a tag it
 * inherits from its template does not count as its own cleaning. Without either record a
 * stopped VM is booted once more and cleaned first.
 */
import type { PveClient } from '../../proxmox/client';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat, heartbeatingProgress, previousHeartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { guestExec } from './guest-exec';
import { vmLabel } from './label';

const CLEANED = 'guest cleaned';
/** A cloud image powers off in seconds; past this PVE stops it (forceStop). */
const SHUTDOWN_TIMEOUT_S = 120;

export function createConvertVmToTemplate(deps: ProvisioningDeps) {
  return async function convertVmToTemplate(plan: VmPlan): Promise<StepOutcome> {
    const guest = vmLabel(plan);
    return classified('convert the VM to a template', guest, async () => {
      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const wait = (upid: string, what: string) => pve.tasks.wait(upid, { what: `${what} of ${guest}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid, state: CLEANED }) });
      const before = previousHeartbeat();
      if (before?.upid) await wait(before.upid, 'a task').catch(() => undefined);

      const config = await vm.waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
      if (Number(config.template) === 1) return { changed: false, summary: 'already a template' };
      if ((await vm.snapshots()).length) {
        throw permanent(`${guest} has snapshots, and PVE converts only VMs without any: delete them (qm delsnapshot) or drop is_template`);
      }

      const cleanedTag = cleanedTagFor(config);
      let cleaned = (before?.state?.startsWith(CLEANED) ?? false) || (cleanedTag !== undefined && tagsOf(config).includes(cleanedTag));
      let running = (await vm.status()).status === 'running';
      if (!running && !cleaned) {
        // Stopped, and no record that this step cleaned it (heartbeats are throttled, so a
        // crash may have lost it): boot it once more rather than template an unclean guest.
        await vm.ensureRunning({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
        await pve.node(plan.node).agent(plan.vmid).waitForAgent({
          signal: cancellation(),
          onProgress: heartbeatingProgress({}),
          deadline: Date.now() + plan.agentTimeoutSeconds * 1000,
        });
        running = true;
      }
      if (running) {
        if (!cleaned) {
          await cleanGuest(pve, plan, guest);
          cleaned = true;
          heartbeat({ state: CLEANED });
          if (cleanedTag) await vm.updateConfig({ tags: [...tagsOf(await vm.config()), cleanedTag].join(';') });
        }
        const down = await vm.shutdown({ timeoutS: SHUTDOWN_TIMEOUT_S, forceStop: true });
        if (down.upid) {
          heartbeat({ upid: down.upid, state: CLEANED });
          await wait(down.upid, 'shutdown').catch(async () => {
            // Fallback: a guest ignoring ACPI (or a shutdown task that failed) is stopped.
            await vm.ensureStopped({}, { signal: cancellation(), onProgress: heartbeatingProgress({ state: CLEANED }) });
          });
        }
      }

      const upid = await vm.convertToTemplate();
      heartbeat({ upid, state: CLEANED });
      await wait(upid, 'template conversion');
      return { changed: true, summary: 'cleaned (cloud-init, machine-id), shut down, converted to a template' };
    });
  };
}

/** `phoenix-cleaned-<first 12 hex of vmgenid>`; none for a VM without a vmgenid (then only the heartbeat records it). */
function cleanedTagFor(config: Record<string, unknown>): string | undefined {
  const id = String(config.vmgenid ?? '').replace(/[^0-9a-f]/gi, '').toLowerCase().slice(0, 12);
  return id.length === 12 ? `phoenix-cleaned-${id}` : undefined;
}

/** PVE's `tags`: separated by `;` (also `,` or spaces on input). */
function tagsOf(config: Record<string, unknown>): string[] {
  return String(config.tags ?? '').split(/[;, ]+/).filter(Boolean);
}

async function cleanGuest(pve: PveClient, plan: VmPlan, guest: string): Promise<void> {
  for (const argv of [
    ['cloud-init', 'clean', '--logs'],
    ['truncate', '-s', '0', '/etc/machine-id'],
  ]) {
    const r = await guestExec(pve, plan, argv);
    if (r.code !== 0) throw permanent(`\`${argv.join(' ')}\` failed in ${guest} (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(-500)}`, 'PhoenixGuestCommandFailed');
  }
}
