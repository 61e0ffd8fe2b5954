/**
 * A container's clone lineage (itself, its parent, ... up to the root template), read from
 * the configuration. Features are inherited through clones, so "does this container have
 * NVIDIA" means "does any container in its lineage list the nvidia feature".
 */
import type { LxcGuest, PhoenixConfig } from '../config';

export function lxcLineage(config: PhoenixConfig, guest: LxcGuest): LxcGuest[] {
  const chain: LxcGuest[] = [guest];
  const seen = new Set([guest.id]);
  let current = guest;
  while (current.clone_from_ctid !== undefined) {
    const parent = config.containers.find((c) => c.id === current.clone_from_ctid);
    // Validation already rejects missing parents and cycles; stop quietly if not.
    if (!parent || seen.has(parent.id)) break;
    chain.push(parent);
    seen.add(parent.id);
    current = parent;
  }
  return chain;
}

export function lineageHasFeature(config: PhoenixConfig, guest: LxcGuest, feature: string): boolean {
  return lxcLineage(config, guest).some((g) => (g.features as string[]).includes(feature));
}
