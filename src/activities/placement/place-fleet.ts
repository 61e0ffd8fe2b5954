/**
 * `placeFleet`: where each guest of an `up` goes and what it clones from, as phoenixUp's DAG.
 * Computed once in this activity from the live cluster and recorded in history, so a retried or
 * replayed `up` never moves a guest; guests that exist already stay where they are. Per-node
 * template copies that the chosen routes need are added as guests of their own (their IDs are the
 * template's plus the node's offset), each built once per node.
 */
import { closure, ConfigError, guestGraph, resolveGuest, type Guest, type PhoenixConfig } from '../../config';
import { placeGuests, type Placement, type PlacedGuest } from '../../planning/placement';
import type { UpNode } from '../../shared/phoenix-up';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { readClusterLive } from './cluster-live';

export interface PlaceFleetInput {
  /** Undefined: every guest. */
  ids?: number[];
}

export interface PlaceFleetResult {
  nodes: UpNode[];
  /** One line per guest: node, route and why (for the run's log and `plan`). */
  reasons: string[];
}

export async function placeConfig(deps: ProvisioningDeps, config: PhoenixConfig): Promise<Placement> {
  const placement = placeGuests(config, await readClusterLive(deps, config));
  // A placement PVE or the GPUs cannot honour is the config's to fix: fail fast, naming the guests.
  if (placement.issues.length > 0) throw new ConfigError([...placement.issues]);
  return placement;
}

export function createPlaceFleet(deps: ProvisioningDeps) {
  return async function placeFleet(input: PlaceFleetInput): Promise<PlaceFleetResult> {
    return classified('place the guests on the cluster nodes', input.ids ? `guests ${input.ids.join(', ')}` : 'all guests', async () => {
      const config = await deps.loadConfig();
      const placement = await placeConfig(deps, config);
      return fleetDag(config, placement, input.ids);
    });
  };
}

/** The guests `ids` need (all when undefined), with the template copies their routes need. */
export function fleetDag(config: PhoenixConfig, placement: Placement, ids: readonly number[] | undefined): PlaceFleetResult {
  const graph = guestGraph(config);
  const wanted = closure(graph, ids ?? [...graph.keys()]);
  const byId = new Map(placement.guests.map((g) => [g.id, g]));
  const chosen = new Map<number, PlacedGuest>();
  const add = (p: PlacedGuest) => {
    if (chosen.has(p.id)) return;
    chosen.set(p.id, p);
    if (p.source && p.source.route === 'per-node-chain-copy') add(byId.get(p.source.id)!);
  };
  for (const id of wanted) if (byId.has(id)) add(byId.get(id)!);
  const nodes = [...chosen.values()]
    .sort((a, b) => a.id - b.id)
    .map((p): UpNode => {
      const g = resolveGuest(config, p.copyOf ?? p.id) as Guest & { start_at_boot?: boolean; boot_order?: number; dependencies?: number[] };
      const deps = g.kind === 'lxc' ? [...g.dependencies] : [];
      return {
        id: p.id,
        kind: p.kind,
        ...(p.source ? { parent: p.source.id } : {}),
        prerequisites: p.source ? [p.source.id, ...deps] : deps,
        node: p.node,
        ...(p.copyOf !== undefined ? { copyOf: p.copyOf } : {}),
        // A copy is a template: it is not part of the boot order.
        startAtBoot: p.copyOf === undefined && g.start_at_boot === true,
        bootOrder: g.boot_order ?? 0,
      };
    });
  const reasons = [...chosen.values()].map((p) => `${p.id} on ${p.node}: ${p.why}${p.source ? `; ${p.source.route}: ${p.source.why}` : ''}`);
  return { nodes, reasons };
}
