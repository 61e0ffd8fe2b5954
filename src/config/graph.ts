/**
 * The template graph, pure. A guest needs its clone parent built first (the parent's template
 * snapshot is what it is cloned from) and its `dependencies` built and running. For one guest that
 * gives the chain to build, root first; for several, levels of guests whose prerequisites are all in
 * earlier levels, so each level can run in parallel. Order within a level is by ID, so plans and
 * workflow IDs are deterministic.
 */
import type { PhoenixConfig } from './model';
import { cloneParentId } from './model';

export interface GraphNode {
  readonly id: number;
  readonly parent?: number;
  readonly dependencies: readonly number[];
}

export type GuestGraph = ReadonlyMap<number, GraphNode>;

export function guestGraph(config: PhoenixConfig): GuestGraph {
  const nodes = new Map<number, GraphNode>();
  for (const g of [...config.containers, ...config.vms]) {
    const parent = cloneParentId(g);
    nodes.set(g.id, { id: g.id, ...(parent !== undefined ? { parent } : {}), dependencies: g.kind === 'lxc' ? g.dependencies : [] });
  }
  return nodes;
}

/** Prerequisites of a node: its clone parent, then its dependencies. */
function prerequisites(node: GraphNode): number[] {
  return node.parent !== undefined ? [node.parent, ...node.dependencies] : [...node.dependencies];
}

export class GraphError extends Error {
  override name = 'GraphError';
}

/** The clone chain of `id`, root first and `id` last: for 950 in the example, [900, 901, 920, 950]. */
export function ancestors(graph: GuestGraph, id: number): number[] {
  const chain: number[] = [];
  let cur: number | undefined = id;
  while (cur !== undefined) {
    if (chain.includes(cur)) throw new GraphError(`clone cycle through ${cur}`);
    const node = graph.get(cur);
    if (!node) throw new GraphError(`guest ${cur} is not in the configuration`);
    chain.unshift(cur);
    cur = node.parent;
  }
  return chain;
}

/** `ids` plus everything they need (clone ancestors and dependencies, transitively). */
export function closure(graph: GuestGraph, ids: Iterable<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...ids];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    const node = graph.get(id);
    if (!node) throw new GraphError(`guest ${id} is not in the configuration`);
    seen.add(id);
    stack.push(...prerequisites(node));
  }
  return seen;
}

/**
 * Build levels for `ids` (all guests when omitted): level 0 has no prerequisites, level n only needs
 * guests from earlier levels.
 */
export function buildLevels(graph: GuestGraph, ids?: Iterable<number>): number[][] {
  const wanted = closure(graph, ids ?? graph.keys());
  const levels: number[][] = [];
  const done = new Set<number>();
  while (done.size < wanted.size) {
    const ready = [...wanted]
      .filter((id) => !done.has(id) && prerequisites(graph.get(id)!).every((p) => done.has(p)))
      .sort((a, b) => a - b);
    if (ready.length === 0) {
      const cycle = findCycles(graph)[0];
      throw new GraphError(`cycle: ${cycle ? cycle.join(' → ') : 'unknown'}`);
    }
    levels.push(ready);
    for (const id of ready) done.add(id);
  }
  return levels;
}

/**
 * Every cycle through clone parents and dependencies, each written from its smallest ID and closed
 * (`[900, 901, 900]`). Edges to unknown guests are ignored here; checks.ts reports those separately.
 */
export function findCycles(graph: GuestGraph): number[][] {
  const state = new Map<number, 'visiting' | 'done'>();
  const stack: number[] = [];
  const found = new Map<string, number[]>();
  const visit = (id: number): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of prerequisites(graph.get(id)!)) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.indexOf(Math.min(...cycle));
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        found.set(rotated.join(','), [...rotated, rotated[0]!]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...graph.keys()].sort((a, b) => a - b)) if (!state.has(id)) visit(id);
  return [...found.values()].sort((a, b) => a[0]! - b[0]!);
}
