/**
 * What a guest's define step (ensure_container_defined / ensure_vm_defined) tells the clone slot
 * it holds about its clone (or create) task. Without hooks (no slot held) it tells nobody.
 */
export interface CloneTaskHooks {
  /** The task runs under this UPID, so the source's next clone may be granted ahead; never an earlier attempt's task (this attempt may clone again after it). */
  started(upid: string): Promise<void>;
  /** The task has ended, before the checks after it: the slot covers exactly the task PVE locks the source for. */
  ended(): Promise<void>;
}
