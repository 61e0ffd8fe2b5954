/**
 * The node one guest's run works on, and the source it clones from. A one-node cluster needs no
 * live reads (the API node, the template beside it). On several nodes: the node the run was given
 * (by `up`'s placement), else placement from the live cluster (a guest that exists stays where it
 * is); the source by the route PVE allows from the template's node to this one.
 */
import { clusterNodes, ConfigError, type PhoenixConfig } from '../../config';
import { sourceOn, type PlacedSource } from '../../planning/placement';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { readClusterLive } from './cluster-live';
import { placeConfig } from './place-fleet';

export interface GuestNodeInput {
  /** The guest's (or the copy's) own ID. */
  id: number;
  node?: string;
  /** Set for a per-node copy of this template. */
  copyOf?: number;
}

export interface GuestNode {
  node: string;
  source?: PlacedSource;
}

export async function guestNode(deps: ProvisioningDeps, config: PhoenixConfig, input: GuestNodeInput): Promise<GuestNode> {
  const { api } = await deps.connection();
  if (clusterNodes(config.hypervisor, api.node).length === 1 && input.copyOf === undefined) return { node: input.node ?? api.node };
  const configId = input.copyOf ?? input.id;
  if (input.copyOf !== undefined && input.node === undefined) {
    throw new ConfigError([{ file: 'input', path: 'node', message: `a copy of template ${input.copyOf} needs the node it is built on` }]);
  }
  let node = input.node;
  if (node === undefined) {
    const placed = (await placeConfig(deps, config)).guests.find((g) => g.id === configId && g.copyOf === undefined);
    if (!placed) throw new Error(`guest ${configId} was not placed`);
    node = placed.node;
  }
  const source = sourceOn(config, await readClusterLive(deps, config), configId, node);
  return { node, ...(source ? { source } : {}) };
}
