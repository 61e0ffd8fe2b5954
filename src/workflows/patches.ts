/**
 * Patch ids of workflow changes that alter the command sequence of runs that may be in flight
 * (docs/architecture.md, "Versioning"). Each is passed to `patched()` where the new code starts;
 * the old branch stays until every run that took it has closed (then `deprecatePatch()`, then
 * removal). The recorded histories in test/temporal/histories/ replay through the old branches.
 *
 * Bundled into workflow code: constants only.
 */

/** A cancellation passes through steps untouched, so a cancelled run ends CANCELED (was FAILED). */
export const CANCELLATION_PASSES_THROUGH = 'cancellation-passes-through';

/** phoenixUp abandons its children on cancel (they were cancel-requested) and ends CANCELED. */
export const UP_ABANDONS_CHILDREN = 'up-abandons-children';

/** rebuildTemplates waits for a busy template run through awaitGuestRun (was: 15 s timers). */
export const REBUILD_WAITS_THROUGH_ACTIVITY = 'rebuild-waits-through-activity';

/** A lifecycle verb first checks that no provisioning of the guest is running. */
export const VERB_CHECKS_RUNNING_PROVISIONING = 'verb-checks-running-provisioning';

/** reconfigure's provisioning child is abandoned if the verb's run closes (was: terminated). */
export const RECONFIGURE_CHILD_ABANDONED = 'reconfigure-child-abandoned';

/** apply_vm_configurations runs under the Proxmox-task preset (it waits for locks and a resize task). */
export const VM_CONFIGURATION_TASK_PRESET = 'vm-configuration-task-preset';

/** A leaf container takes its reconfigure snapshot (the original's `pre-configured`) after apply_configurations. */
export const LEAF_PRE_CONFIGURED_SNAPSHOT = 'leaf-pre-configured-snapshot';

/** phoenixUp on several nodes asks placeFleet for its DAG (node per guest, routes, per-node template copies). */
export const UP_PLACES_ON_NODES = 'up-places-on-nodes';

/** A guest's clone step holds its source's clone lock (cloneLock workflow) for the clone only. */
export const CLONE_SLOT_LOCK = 'clone-slot-lock';

/** phoenixUp no longer keeps a second clone of a source from starting: the clone lock serialises clones only. */
export const UP_CLONE_SLOTS = 'up-clone-slots';

/** The clone activity queues, waits for the grant (an update of the lock), clones and releases itself: one workflow task per handoff. */
export const CLONE_SLOT_IN_ACTIVITY = 'clone-slot-in-activity';

/** cloneLock answers a holder waiting through its update instead of signalling the grant. */
export const CLONE_LOCK_ANSWERS_UPDATES = 'clone-lock-answers-updates';

/** cloneLock grants the queued holder with the highest priority first (FIFO among equals; was FIFO). */
export const CLONE_LOCK_GRANTS_BY_PRIORITY = 'clone-lock-grants-by-priority';

/** phoenixUp gives each child its clone priority: how many guests come after it in the DAG. */
export const UP_CLONE_PRIORITY = 'up-clone-priority';

/** phoenixUp starts the ready guests with the most guests after them first (a template copy before leaves); was ascending ids. */
export const UP_STARTS_BY_PRIORITY = 'up-starts-by-priority';

/** cloneLock grants the next in line ahead, with the UPID of the holder's running clone task to wait for (cloneTaskStarted). */
export const CLONE_LOCK_GRANTS_AHEAD = 'clone-lock-grants-ahead';

/**
 * cloneLock lets only the first UPDATE_WINDOW waiters block in awaitCloneSlot and answers the others
 * `queued` (they ask again), so the server's in-flight update limit never locks out the holder; it
 * continues-as-new while a successor waits, carrying it (blocked waiters are answered first).
 */
export const CLONE_LOCK_UPDATE_WINDOW = 'clone-lock-update-window';

/**
 * phoenixUp starts a container whose only unfinished prerequisite is its template's run in
 * progress (an LXC clone of an LXC template) as soon as that run has started, telling it so
 * (`afterTemplateRun`): its child start, plan and trust check overlap the template's build, and
 * its wait for the template ends when that run does. Before, it started once the template was done.
 */
export const UP_STARTS_EARLY = 'up-starts-children-early';

/**
 * cloneLock grants the next in line ahead as soon as a holder that named its clone's guest
 * (CloneSlotHolder.target) holds the slot, before its clone task has started: the successor watches
 * PVE for that guest to be made, beside the lock's later word (awaitCloneTurn), so a short clone's
 * end is no longer hidden behind the lock's round trip for the holder's UPID.
 */
export const CLONE_LOCK_GRANTS_BEFORE_TASK = 'clone-lock-grants-before-task';

/**
 * cloneLock makes its successor the holder as soon as it reports its clone task (the holder's task
 * has ended, or the successor would not clone), so the next in line is granted ahead then, not
 * when the previous holder's release arrives (a lock round trip later, on every clone of a busy source).
 */
export const CLONE_LOCK_PROMOTES_ON_TASK = 'clone-lock-promotes-on-task';

/**
 * phoenixUp acts on its children's news one piece at a time, in history order: each start and each
 * end is applied and followed by its own scheduling pass. Before, it scheduled once per activation,
 * after all the news it carried. sdk-core can apply one workflow task's events in two activations:
 * a query sent to a worker while no task is pending replays the run there and also applies the
 * events that arrived since (say a template's end), keeping the commands they cause; the task
 * itself then brings only the rest. A fresh replay applies them all in one activation, so where the
 * two passes chose another order than the single one (two templates ending at once: the first's leaf,
 * then the second's chain), the replay failed with TMPRL1100 and the run stuck.
 */
export const UP_DECIDES_PER_EVENT = 'up-decides-per-event';
