/**
 * Deterministic workflow ids.
 *
 * One id per thing being provisioned makes a second request for the same guest
 * meet the run already in progress (`workflowIdConflictPolicy: 'USE_EXISTING'`)
 * instead of racing it, and lets `phoenix-client` find a run from the guest id
 * alone.
 *
 * Bundled into workflow code: no Node built-ins, no I/O.
 */

const PREFIX = 'phoenix';

/** Proxmox guest ids are integers from 100 to 999999999 (PVE's `pve-vmid` format). */
function guestId(kind: string, id: number): string {
  if (!Number.isInteger(id) || id < 100 || id > 999_999_999) {
    throw new RangeError(`${kind} id must be an integer from 100 to 999999999, got ${String(id)}`);
  }
  return String(id);
}

/** Template names become part of an id: keep them to a safe, readable alphabet. */
function slug(kind: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new RangeError(
      `${kind} name must be 1-128 characters of letters, digits, '.', '_' or '-' starting with a letter or digit, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function lxcWorkflowId(ctid: number): string {
  return `${PREFIX}-lxc-${guestId('container', ctid)}`;
}

export function vmWorkflowId(vmid: number): string {
  return `${PREFIX}-vm-${guestId('VM', vmid)}`;
}

/** Diagnostics runs are one-off: the caller supplies something unique (a timestamp, a uuid). */
export function diagnosticsWorkflowId(unique: string): string {
  return `${PREFIX}-diagnostics-${slug('diagnostics', unique)}`;
}
