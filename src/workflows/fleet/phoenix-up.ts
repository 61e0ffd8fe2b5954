/**
 * `phoenixUp`: brings a set of guests up (the original's --LetsGo) as one workflow. The input is
 * the dependency DAG the client computed from the config; each guest's own provisioning workflow
 * (`phoenix-lxc-<ctid>` / `phoenix-vm-<vmid>`) runs as a child as soon as all its prerequisites
 * succeeded. Independent branches run in parallel, at most `concurrencyPerNode` per Proxmox node,
 * and never two clones of one source at once (PVE locks the source during a clone, so a second
 * one would only fail and retry): each child holds its source's clone lock for its clone step
 * only (workflows/clone-lock), so siblings overlap in everything after the clone. A failure stops
 * only its dependants, which are reported skipped.
 *
 * Children start once their prerequisites are done, so a guest's `ensure_parent_template`
 * finds the template ready and never starts a parent build by itself. Early starts (since
 * up-starts-children-early): a container whose only unfinished prerequisite is its LXC template's
 * run starts as soon as that run has started, told so (`afterTemplateRun`): its
 * `ensure_parent_template` waits for that very run to end and never starts another. Temporal
 * creates a child under the parent's lock, one at a time, and a fleet's starts queued there for
 * seconds; now they overlap the template's build instead of following it. Such a guest whose
 * template did not succeed is reported skipped (blocked by it), as if it had never started. When a
 * run of a child's id is already in progress (a `start` began it), a child cannot join it: the
 * `awaitGuestRun` activity waits for that run instead.
 *
 * Children are abandoned, not cancelled, when this workflow is: a `start` may be waiting on the
 * same build (a template), as ensureLxcTemplateReady's wait never cancels a shared build either.
 * The cancelled `phoenixUp` starts nothing more, stops waiting for the children in progress (they
 * go on and finish; `phoenix-client cancel <ID>` stops one) and ends CANCELED.
 *
 * Several nodes (`input.place`): the DAG is the `placeFleet` activity's answer (node per guest, the
 * route from its template, per-node template copies as guests of their own), recorded in history;
 * each child is given its node (and, for a copy, the template it copies), and the concurrency limit
 * counts each node separately.
 *
 * Clone priority (since up-clone-priority): each child is told how many guests come after it in
 * the DAG, and its source's clone lock grants the one with the most first, so the clone a long
 * chain waits on does not queue behind a leaf's (the lower bound's order, by count not time).
 *
 * Start order (since up-starts-by-priority): when a node's limit lets only some of the ready
 * guests start, those with the most guests after them go first (a node's copy of a template chain
 * before that node's leaves), ascending ids among equals; before it, ascending ids alone, which
 * let leaves fill a node's slots while the chain its other leaves wait on queued behind them.
 *
 * News, one piece at a time (since up-decides-per-event): each child's start and end is queued in
 * history order (read from the SDK's own promises of the child, child-promises.ts) and followed by
 * its own scheduling pass, so the commands do not depend on how many of one workflow task's events
 * an activation carries (a worker answering a query can apply part of a task's events ahead of the
 * task: docs/architecture.md, "Versioning"). Before, one pass ran after all of an activation's news.
 *
 * Boot order: provisioning leaves every guest running (its start step), so there is no second
 * start; the result lists the start_at_boot guests in ascending boot_order.
 */
import {
  ApplicationFailure, CancellationScope, ChildWorkflowCancellationType, condition, isCancellation, ParentClosePolicy, patched, proxyActivities, setHandler, startChild, workflowInfo,
} from '@temporalio/workflow';
import type { LifecycleActivities } from '../../activities/lifecycle';
import type { PhoenixActivities } from '../../activities';
import { upProgressQuery } from '../../shared/progress';
import { lxcWorkflowId, vmWorkflowId } from '../../shared/workflow-ids';
import { quickStep, templateWait } from '../activity-presets';
import { isAlreadyStarted } from '../already-started';
import { describeFailure } from '../failure-text';
import { failedStepOf } from '../../shared/step-failure';
import { provisionLxc } from '../lxc/provision-lxc';
import { provisionVm } from '../vm/provision-vm';
import { withChildPromises } from '../child-promises';
import { UP_ABANDONS_CHILDREN, UP_CLONE_PRIORITY, UP_CLONE_SLOTS, UP_DECIDES_PER_EVENT, UP_PLACES_ON_NODES, UP_STARTS_BY_PRIORITY, UP_STARTS_EARLY } from '../patches';
import type { PhoenixUpInput, PhoenixUpResult, UpFailed, UpNode, UpSucceeded } from '../../shared/phoenix-up';

const waits = proxyActivities<LifecycleActivities>(templateWait);
const placement = proxyActivities<Pick<PhoenixActivities, 'placeFleet'>>(quickStep);

type Outcome = { ok: true; value: UpSucceeded } | { ok: false; value: UpFailed } | { ok: 'cancelled'; cancellation: unknown };
/** News of one child, queued in the order its events stand in history (since up-decides-per-event). */
type StartNews = { id: number; started: true };
type EndNews = { id: number; started?: false; outcome: Outcome };
type ChildNews = StartNews | (EndNews & { waitedForTemplate: boolean });

export async function phoenixUp(input: PhoenixUpInput): Promise<PhoenixUpResult> {
  // Runs started before this change cancel-requested their children (the default) and reported
  // a cancelled child as failed; they replay that way.
  const abandonOnCancel = patched(UP_ABANDONS_CHILDREN);
  // Runs started before the clone lock held a run slot per clone source for a child's whole run.
  const childrenHoldCloneSlots = patched(UP_CLONE_SLOTS);
  const limit = input.concurrencyPerNode ?? 2;
  if (!Number.isInteger(limit) || limit < 1) throw ApplicationFailure.nonRetryable(`concurrencyPerNode must be a positive integer, got ${limit}`, 'PhoenixBadInput');
  // Several nodes: the DAG comes from placement (recorded in history, so a replay never moves a guest).
  const dag = input.place && patched(UP_PLACES_ON_NODES) ? (await placement.placeFleet({ ids: input.nodes.map((n) => n.id) })).nodes : input.nodes;
  const nodes = new Map(dag.map((n) => [n.id, n]));
  for (const n of dag) {
    for (const p of n.prerequisites) {
      if (!nodes.has(p)) throw ApplicationFailure.nonRetryable(`guest ${n.id} needs ${p}, which is not in the input`, 'PhoenixBadInput');
    }
  }

  const result: PhoenixUpResult = { succeeded: [], failed: [], skipped: [], bootOrder: [] };
  const settled = new Map<number, 'ok' | 'failed' | 'skipped'>();
  // A child's promise to wait on (batch decisions); null when its news is queued (per event).
  const running = new Map<number, Promise<void> | null>();
  const pending = new Set([...nodes.keys()].sort((a, b) => a - b));

  // A query changes no history: old runs answer it too.
  setHandler(upProgressQuery, () => ({
    running: [...running.keys()],
    settled: [...settled].filter(([, state]) => state !== 'skipped').map(([id]) => id),
  }));

  // Runs started before clone priorities gave their children none; they replay that way.
  const priorities = childrenHoldCloneSlots && patched(UP_CLONE_PRIORITY) ? descendantCounts(dag) : new Map<number, number>();
  const startsByPriority = patched(UP_STARTS_BY_PRIORITY);
  const startPriority = startsByPriority ? descendantCounts(dag) : new Map<number, number>();
  const inStartOrder = (ids: number[]) => (startsByPriority ? ids.sort((a, b) => (startPriority.get(b) ?? 0) - (startPriority.get(a) ?? 0) || a - b) : ids);
  const runningOn = (node: string) => [...running.keys()].filter((id) => nodes.get(id)!.node === node).length;
  const cloningFrom = (parent: number) => [...running.keys()].some((id) => nodes.get(id)!.parent === parent);
  let cancellation: { error: unknown } | undefined;
  // Runs started before early starts began every child once its prerequisites were done; they replay that way.
  const startsEarly = childrenHoldCloneSlots && patched(UP_STARTS_EARLY);
  // Runs started before this decided once per workflow task, after all of its news; they replay that way.
  const decidesPerEvent = patched(UP_DECIDES_PER_EVENT);
  const news: ChildNews[] = [];
  // Early-started containers whose template run had not ended when they failed waiting for it, by template.
  const waitingForTemplate = new Map<number, Array<{ n: UpNode; outcome: Outcome }>>();
  const startedThrough = new Set<number>(); // children whose start went through (their run exists)
  let wake: () => void = () => undefined;
  const ready = (n: UpNode) => n.prerequisites.every((p) => settled.get(p) === 'ok');
  // Only its LXC template's run in progress (started, so a run exists to wait for) stands in its way.
  const readyEarly = (n: UpNode) =>
    startsEarly && n.kind === 'lxc' && n.parent !== undefined && nodes.get(n.parent)?.kind === 'lxc' &&
    running.has(n.parent) && startedThrough.has(n.parent) && n.prerequisites.every((p) => p === n.parent || settled.get(p) === 'ok');
  const launch = (n: UpNode, startedEarly: boolean) => {
    const id = n.id;
    pending.delete(id);
    const fromUp = { abandonOnCancel, placed: input.place === true, clonePriority: priorities.get(n.id) ?? 0, startedEarly };
    // An early start that failed waiting for its template's run: that run's outcome decides how it is reported.
    const failedWaitingForTemplate = (outcome: Outcome) => startedEarly && outcome.ok === false && outcome.value.step === 'ensure_parent_template';
    if (decidesPerEvent) {
      running.set(id, null);
      provisionWithNews(n, fromUp, (piece) => news.push(piece.started ? piece : { ...piece, waitedForTemplate: failedWaitingForTemplate(piece.outcome) }));
      return;
    }
    const startThrough = () => {
      startedThrough.add(id);
      wake();
    };
    running.set(
      id,
      provision(n, fromUp, startThrough).then(async (outcome) => {
        if (failedWaitingForTemplate(outcome)) {
          // Its template's run ended without success: reported as its dependant, once that run's outcome is in.
          await condition(() => settled.has(n.parent!) || cancellation !== undefined);
          if (settled.get(n.parent!) !== 'ok') return skipAsBlockedByTemplate(n);
        }
        settle(n, outcome);
      }),
    );
  };

  const settle = (n: UpNode, outcome: Outcome) => {
    running.delete(n.id);
    if (outcome.ok === 'cancelled') {
      cancellation ??= { error: outcome.cancellation };
      return;
    }
    settled.set(n.id, outcome.ok ? 'ok' : 'failed');
    if (outcome.ok) result.succeeded.push(outcome.value);
    else result.failed.push(outcome.value);
  };
  const skipAsBlockedByTemplate = (n: UpNode) => {
    running.delete(n.id);
    settled.set(n.id, 'skipped');
    result.skipped.push({ id: n.id, kind: n.kind, blockedBy: [n.parent!] });
  };
  // One piece of news, applied as the batch loop's callbacks apply it, with no wait in between.
  const apply = (piece: ChildNews) => {
    const n = nodes.get(piece.id)!;
    if (piece.started) {
      startedThrough.add(n.id);
      return;
    }
    const { outcome } = piece;
    if (piece.waitedForTemplate && !settled.has(n.parent!) && !cancellation) {
      // Its template's run ended without success: reported as its dependant, once that run's outcome is in.
      waitingForTemplate.set(n.parent!, [...(waitingForTemplate.get(n.parent!) ?? []), { n, outcome }]);
      return;
    }
    if (piece.waitedForTemplate && settled.get(n.parent!) !== 'ok') skipAsBlockedByTemplate(n);
    else settle(n, outcome);
    // Cancelled: nothing more will settle, so every waiting dependant is reported now.
    for (const template of cancellation ? [...waitingForTemplate.keys()] : [n.id]) reportWaitingOn(template);
  };
  // The dependants that failed waiting for this template's run, now that its outcome is in (and theirs, in turn).
  const reportWaitingOn = (template: number) => {
    const waiting = waitingForTemplate.get(template) ?? [];
    waitingForTemplate.delete(template);
    for (const dependant of waiting) {
      if (settled.get(template) === 'ok') settle(dependant.n, dependant.outcome);
      else skipAsBlockedByTemplate(dependant.n);
      reportWaitingOn(dependant.n.id);
    }
  };
  const schedulingPass = () => {
    // Anything whose prerequisite failed or was skipped will never run.
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of pending) {
        const n = nodes.get(id)!;
        const blockedBy = n.prerequisites.filter((p) => settled.get(p) === 'failed' || settled.get(p) === 'skipped');
        if (blockedBy.length === 0) continue;
        pending.delete(id);
        settled.set(id, 'skipped');
        result.skipped.push({ id, kind: n.kind, blockedBy });
        changed = true;
      }
    }
    for (const id of cancellation ? [] : inStartOrder([...pending])) {
      const n = nodes.get(id)!;
      if (!ready(n)) continue;
      if (runningOn(n.node) >= limit) continue;
      if (!childrenHoldCloneSlots && n.parent !== undefined && cloningFrom(n.parent)) continue;
      launch(n, false);
    }
    // Then, in what slots are left, those waiting only for their template's run in progress.
    for (const id of cancellation || !startsEarly ? [] : inStartOrder([...pending])) {
      const n = nodes.get(id)!;
      if (!readyEarly(n) || runningOn(n.node) >= limit) continue;
      launch(n, true);
    }
  };

  if (decidesPerEvent) {
    schedulingPass();
    while (running.size > 0) {
      // A condition is looked at once the activation's jobs and microtasks are done: all of its news is queued.
      await condition(() => news.length > 0);
      while (news.length > 0) {
        apply(news.shift()!);
        schedulingPass();
      }
    }
  }
  while (!decidesPerEvent && ((pending.size > 0 && !cancellation) || running.size > 0)) {
    schedulingPass();
    if (running.size === 0) break; // nothing can start: the rest was skipped above
    // Wakes when a child settles, or (early starts) when a child's start went through.
    const startWentThrough = new Promise<void>((resolve) => (wake = resolve));
    await Promise.race([...running.values(), ...(startsEarly ? [startWentThrough] : [])].filter((wait) => wait !== null));
  }
  // Cancelled: the children in progress were abandoned (they finish on their own); the run ends CANCELED.
  if (cancellation) throw cancellation.error;

  result.bootOrder = result.succeeded
    .map((s) => nodes.get(s.id)!)
    .filter((n) => n.startAtBoot)
    .sort((a, b) => a.bootOrder - b.bootOrder || a.id - b.id)
    .map((n) => n.id);
  return result;
}

/** How many guests need each guest first, directly or through others (its clone parent counts as a prerequisite). */
function descendantCounts(dag: readonly UpNode[]): Map<number, number> {
  const after = new Map<number, number[]>();
  for (const n of dag) for (const p of new Set([...n.prerequisites, ...(n.parent !== undefined ? [n.parent] : [])])) after.set(p, [...(after.get(p) ?? []), n.id]);
  const counts = new Map<number, number>();
  for (const n of dag) {
    const seen = new Set<number>();
    const stack = [...(after.get(n.id) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(after.get(id) ?? []));
    }
    counts.set(n.id, seen.size);
  }
  return counts;
}

/** What up passes its child beyond the node. */
interface FromUp {
  abandonOnCancel: boolean;
  placed: boolean;
  clonePriority: number;
  startedEarly: boolean;
}

/** The child's run and how its outcome is told (`joined`: a run already in progress that it waited for). */
function childRun(n: UpNode, { abandonOnCancel, placed, clonePriority, startedEarly }: FromUp) {
  // What up tells the child beyond its id: only a clone with guests after it has a priority to pass,
  // only one started before its template's run ended is told so (the others' arguments stay as they were).
  const fromUp = { ...(n.parent !== undefined && clonePriority > 0 ? { clonePriority } : {}), ...(startedEarly ? { afterTemplateRun: true } : {}) };
  const workflowId = n.kind === 'lxc' ? lxcWorkflowId(n.id) : vmWorkflowId(n.id);
  const startedAt = Date.now();
  const abandon = abandonOnCancel ? { cancellationType: ChildWorkflowCancellationType.ABANDON } : {};
  return {
    workflowId,
    start: () =>
      n.kind === 'lxc'
        ? startChild(provisionLxc, { workflowId, args: [placed ? { ctid: n.id, node: n.node, ...(n.copyOf !== undefined ? { copyOf: n.copyOf } : {}), ...fromUp } : { ctid: n.id, ...fromUp }], parentClosePolicy: ParentClosePolicy.ABANDON, ...abandon, staticSummary: `Container ${n.id} (${workflowInfo().workflowId})` })
        : startChild(provisionVm, { workflowId, args: [{ vmid: n.id, ...fromUp }], parentClosePolicy: ParentClosePolicy.ABANDON, ...abandon, staticSummary: `VM ${n.id} (${workflowInfo().workflowId})` }),
    succeeded: (joined: boolean): Outcome => ({ ok: true, value: { id: n.id, kind: n.kind, workflowId, joined, startedAt, endedAt: Date.now() } }),
    failed: (err: unknown): Outcome => {
      // This run was cancelled (a child someone else cancelled is reported failed, like any other).
      if (abandonOnCancel && isCancellation(err) && CancellationScope.current().consideredCancelled) return { ok: 'cancelled', cancellation: err };
      const step = failedStepOf(err);
      return { ok: false, value: { id: n.id, kind: n.kind, workflowId, ...(step ? { step } : {}), reason: describeFailure(err) } };
    },
  };
}

/** Batch decisions: `startThrough` is called once the child's start is through (started, or joined a run in progress). */
async function provision(n: UpNode, from: FromUp, startThrough: () => void): Promise<Outcome> {
  const run = childRun(n, from);
  try {
    let child;
    try {
      child = await run.start();
    } catch (err) {
      if (!isAlreadyStarted(err)) throw err;
      startThrough();
      await waits.awaitGuestRun({ workflowId: run.workflowId });
      return run.succeeded(true);
    }
    startThrough();
    await child.result();
    return run.succeeded(false);
  } catch (err) {
    return run.failed(err);
  }
}

/**
 * Per event: the child's start and its end are told as reactions on the SDK's own promises
 * (child-promises.ts), each one microtask after its job, so one activation's news is told in history
 * order. A run already in progress is joined: its start is told at once, its end when awaitGuestRun ends.
 */
function provisionWithNews(n: UpNode, from: FromUp, tell: (piece: StartNews | EndNews) => void): void {
  const run = childRun(n, from);
  const id = n.id;
  let startFailed = false;
  const started = withChildPromises(
    (start, end) => {
      start.then(
        () => tell({ id, started: true }),
        (err: unknown) => {
          startFailed = true;
          if (!isAlreadyStarted(err)) return tell({ id, outcome: run.failed(err) });
          tell({ id, started: true });
          waits.awaitGuestRun({ workflowId: run.workflowId }).then(
            () => tell({ id, outcome: run.succeeded(true) }),
            (waitErr: unknown) => tell({ id, outcome: run.failed(waitErr) }),
          );
        },
      );
      // A start that failed rejects the end too (a microtask later): the start's reaction tells it.
      end.then(
        () => tell({ id, outcome: run.succeeded(false) }),
        (err: unknown) => void (startFailed || tell({ id, outcome: run.failed(err) })),
      );
    },
    () => run.start(),
  );
  started.catch(() => undefined); // its outcome is told through the promises above
}
