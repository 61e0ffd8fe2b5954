/** Finding a guest by ID: the same lookup for every command and workflow starter. */
import { CONFIG_FILES } from './files';
import type { Guest, PhoenixConfig } from './model';

/** The ID names no container and no VM. Bad input (CLI exit 2), not an operational failure. */
export class UnknownGuestError extends Error {
  override name = 'UnknownGuestError';
  constructor(readonly id: number | string) {
    super(`${id} is neither a container in ${CONFIG_FILES.lxc} (lxc_configs) nor a VM in ${CONFIG_FILES.vm} (vms)`);
  }
}

export function findGuest(config: PhoenixConfig, id: number): Guest | undefined {
  return config.containers.find((c) => c.id === id) ?? config.vms.find((v) => v.id === id);
}

/** The container or VM with this ID (`guest.kind` says which); throws `UnknownGuestError`. */
export function resolveGuest(config: PhoenixConfig, id: number): Guest {
  const guest = findGuest(config, id);
  if (!guest) throw new UnknownGuestError(id);
  return guest;
}
