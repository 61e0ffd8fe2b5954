/**
 * What a guest's define step (ensure_container_defined / ensure_vm_defined) tells the clone slot
 * it holds about its clone (or create) task, and asks it before sending one. Without hooks (no
 * slot held) it tells and asks nobody.
 */
export interface CloneTaskHooks {
  /**
   * Resolves once the clone may be sent: at once, or, for a clone granted ahead of the previous
   * one's end, once that task has stopped on PVE. The define step asks right before its request,
   * after reading the guest's state, so that read is done while the previous clone still runs
   * rather than between its end and this clone's start (the handoff every queued sibling waits on).
   */
  mayClone(): Promise<void>;
  /** The task runs under this UPID, so the source's next clone may be granted ahead; never an earlier attempt's task (this attempt may clone again after it). */
  started(upid: string): Promise<void>;
  /** The task has ended, before the checks after it: the slot covers exactly the task PVE locks the source for. */
  ended(): Promise<void>;
}
