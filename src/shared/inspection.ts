/**
 * What `phoenix-client plan` shows about the live state: for one guest, what its next run
 * would change, step by step. Produced by the read-only `inspectGuests` workflow on the worker
 * (which holds the credentials). Bundled into workflow code: types only.
 */
export interface PendingChange {
  step: string;
  change: string;
}

export interface GuestInspection {
  kind: 'lxc' | 'vm';
  id: number;
  /** absent, creating (a create/clone holds its lock), stopped, running, template. */
  state: string;
  changes: PendingChange[];
  /** Several nodes: the node a run would use, why, and the route its clone source takes. */
  node?: string;
  placement?: string;
  route?: string;
}
