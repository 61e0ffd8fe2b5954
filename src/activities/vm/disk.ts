/**
 * The boot disk's size: grown to the configured size, never shrunk (PVE refuses, and a
 * smaller number in the config must not destroy data).
 */
import type { PveClient } from '../../proxmox/client';
import type { GuestConfig } from '../../proxmox/guest-common';
import { parsePropertyString } from '../../proxmox/property-strings';
import type { VmPlan } from '../../shared/vm-plan';
import { cancellation, heartbeatingProgress } from '../common/heartbeat';

export const BOOT_DISK = 'scsi0';

const UNITS: Record<string, number> = { K: 1 / (1024 * 1024), M: 1 / 1024, G: 1, T: 1024 };

/** `size=3584M` → 3.5 (GiB); undefined when the drive or its size is missing. */
export function driveSizeGb(config: GuestConfig, key = BOOT_DISK): number | undefined {
  const value = config[key];
  if (typeof value !== 'string') return undefined;
  const size = parsePropertyString(value, { defaultKey: 'volume' }).size;
  const m = size ? /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(size) : null;
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1 / (1024 * 1024 * 1024));
}

/** Grows scsi0 to `plan.diskGb` if it is smaller; returns a summary when it did. */
export async function growBootDisk(pve: PveClient, plan: VmPlan, config: GuestConfig): Promise<string | undefined> {
  const current = driveSizeGb(config);
  if (current === undefined || current >= plan.diskGb) return undefined;
  const vm = pve.node(plan.node).qemu(plan.vmid);
  const upid = await vm.resize(BOOT_DISK, `${plan.diskGb}G`, { digest: config.digest });
  if (upid) await pve.tasks.wait(upid, { what: `resize of VM ${plan.vmid}'s ${BOOT_DISK}`, signal: cancellation(), onProgress: heartbeatingProgress({ upid }) });
  return `${BOOT_DISK} ${Math.round(current * 10) / 10}G → ${plan.diskGb}G`;
}
