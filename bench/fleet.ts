/**
 * The fleet against its lower bound: `phoenix-client up --all` wall time next to
 *  - the critical-path lower bound of the template DAG, given the per-source clone rule (clones of
 *    one source one after the other, in the best order) and each guest's own step durations, all
 *    taken from this run's own timings (each guest's provisioning run from its own start to its
 *    close, each clone task's span and the guest's own work before it, which overlaps the source's
 *    other clones); the time Temporal takes to start a child is orchestration, outside the bound,
 *    and so is a clone's wait for its template's run when `up` started it before that run ended;
 *  - the strictly sequential order the bash original used (every provisioning one after the other).
 * On the shipped fleet (one node) and on a generated fleet: 3 simulated nodes, 6 templates on local
 * ZFS (so each node that needs a template gets its own copy of the chain), 60 leaves.
 *
 *   npm run build && npx tsx bench/fleet.ts [--time-scale 0.05] [--only shipped|generated] [--concurrency N] [--runs N]
 *     [--topology production] [--histories DIR]
 *
 * Before the timed `up --all`, `plan` of one guest runs a read-only workflow on the fresh worker, as
 * an operator's first command would: the timed run meets a worker in its steady state.
 *
 * Targets: wall <= 1.05x the bound on both; >= 5x faster than sequential on the generated fleet.
 * Writes bench/results/fleet.json and fleet.png (bench/lib/report.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { joinSimCluster } from '../scripts/lib/sim-cluster';
import { startProdStack } from '../scripts/lib/prod-stack';
import { REPO, startStack, type LedgerEntry, type Stack } from '../scripts/lib/stack';
import type { PhoenixUpResult } from '../src/shared/phoenix-up';
import { writeBenchReport } from './lib/report';

const BOUND_TARGET = 1.05;
const SEQUENTIAL_TARGET = 5;
const FILES = { lxc: 'phoenix_lxc_configs.json', vm: 'phoenix_vm_configs.json', hypervisor: 'phoenix_hypervisor_config.json' } as const;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

export interface Provisioning {
  id: number;
  /** The guest's own provisioning span (its child run), ms. */
  duration: number;
  /** Its clone task, ms (0 when created from an ostemplate or image). */
  clone: number;
  /** Its own work before the clone task (its child's start, plan, template check), ms: it overlaps the source's other clones. 0 when unknown. */
  beforeClone?: number;
  /** What it was cloned from (by the ledger), and what else it waited for. */
  parent?: number;
  deps: number[];
}

/**
 * Lower bound of the makespan: a guest starts when its parent and dependencies are done; the
 * clones of one source run one after the other; everything else in parallel, with no per-node
 * limit. A guest's clone can begin once its own work before it is done (`beforeClone`), and the
 * source's clones are ordered as in the best preemptive schedule (cloneOrder), which no real order
 * beats: so the bound never charges a guest that reached the queue late for the clones done
 * meanwhile, nor its early work to the clones queued after it.
 */
export function criticalPathBound(guests: readonly Provisioning[]): number {
  return Math.max(0, ...criticalPathFinishes(guests).values());
}

/** Each guest's earliest finish under criticalPathBound's rules, ms. */
export function criticalPathFinishes(guests: readonly Provisioning[]): Map<number, number> {
  const byId = new Map(guests.map((g) => [g.id, g]));
  const children = new Map<number, Provisioning[]>();
  for (const g of guests) if (g.parent !== undefined && byId.has(g.parent)) children.set(g.parent, [...(children.get(g.parent) ?? []), g]);
  const dependants = (id: number) => guests.filter((g) => g.deps.includes(id) || g.parent === id);
  const tails = new Map<number, number>();
  const tail = (g: Provisioning): number => {
    if (!tails.has(g.id)) tails.set(g.id, Math.max(0, ...dependants(g.id).map((d) => d.duration + tail(d))));
    return tails.get(g.id)!;
  };
  const finish = new Map<number, number>();
  const finishOf = (g: Provisioning): number => {
    const known = finish.get(g.id);
    if (known !== undefined) return known;
    const depsDone = Math.max(0, ...g.deps.filter((d) => byId.has(d)).map((d) => finishOf(byId.get(d)!)));
    if (g.parent === undefined || !byId.has(g.parent)) {
      finish.set(g.id, depsDone + g.duration);
      return finish.get(g.id)!;
    }
    // Schedule every clone of this parent at once, in the best order.
    const parentDone = finishOf(byId.get(g.parent)!);
    const group = children.get(g.parent)!;
    const inGroup = new Set(group.map((s) => s.id));
    const after = (s: Provisioning) => s.duration - s.clone - (s.beforeClone ?? 0);
    const siblings = group.map((s) => ({
      id: s.id,
      // Dependencies outside the group first; a sibling it needs is waited for inside cloneOrder.
      release: Math.max(parentDone, ...s.deps.filter((d) => byId.has(d) && !inGroup.has(d)).map((d) => finishOf(byId.get(d)!))),
      before: s.beforeClone ?? 0,
      needs: s.deps.filter((d) => inGroup.has(d)),
      clone: s.clone,
      after: after(s),
      tail: after(s) + tail(s),
    }));
    for (const [id, done] of cloneOrder(siblings)) finish.set(id, done);
    return finish.get(g.id)!;
  };
  for (const g of guests) finishOf(g);
  return finish;
}

/**
 * When each guest cloned from one source is done, its clones run in the preemptive schedule that
 * runs, at every moment, the released clone with the most work after it (largest tail first:
 * optimal for the preemptive relaxation of one machine with release times and tails, so a lower
 * bound for any real order, which cannot preempt). A guest is released `before` ms after its
 * release time, or after the siblings it `needs` are done. Guest id to its finish, ms.
 */
export function cloneOrder(
  jobs: ReadonlyArray<{ id: number; release: number; before: number; needs: readonly number[]; clone: number; after: number; tail: number }>,
): Map<number, number> {
  const left = new Map(jobs.map((j) => [j.id, j.clone]));
  const done = new Map<number, number>();
  // Known once the siblings it needs are done.
  const releaseOf = (j: (typeof jobs)[number]) =>
    j.needs.every((n) => done.has(n)) ? Math.max(j.release, ...j.needs.map((n) => done.get(n)!)) + j.before : Number.POSITIVE_INFINITY;
  let now = Math.min(...jobs.map(releaseOf));
  for (;;) {
    // A guest with no clone task takes no turn at the source: done once released and its work after.
    for (const j of jobs) if (!done.has(j.id) && j.clone <= 0 && Number.isFinite(releaseOf(j))) done.set(j.id, releaseOf(j) + j.after);
    const waiting = jobs.filter((j) => !done.has(j.id) && j.clone > 0);
    if (waiting.length === 0) break;
    const ready = waiting.filter((j) => releaseOf(j) <= now);
    const later = Math.min(...waiting.map(releaseOf).filter((r) => r > now));
    if (ready.length === 0) {
      if (!Number.isFinite(later)) throw new Error(`clones of one source wait on each other: ${waiting.map((j) => j.id).join(', ')}`);
      now = later;
      continue;
    }
    const next = ready.reduce((best, j) => (j.tail > best.tail || (j.tail === best.tail && j.id < best.id) ? j : best));
    const run = Math.min(left.get(next.id)!, later - now);
    now += run;
    left.set(next.id, left.get(next.id)! - run);
    if (left.get(next.id)! <= 0) done.set(next.id, now + next.after);
  }
  return done;
}

/**
 * Lower bound of the makespan once each node runs at most `slots` provisionings at once: no guest
 * starts before its prerequisites could have finished (their earliest finish along the DAG, with
 * nothing else in the way: a lower bound whatever the order), so for every release time t the
 * work of a node's guests released at t or later needs at least that work over its slots after t.
 * The larger of that and the critical-path bound.
 */
export function nodeLimitBound(guests: readonly Provisioning[], nodeOf: (id: number) => string, slots: number): number {
  const byId = new Map(guests.map((g) => [g.id, g]));
  const prerequisites = (g: Provisioning) => [...(g.parent !== undefined ? [g.parent] : []), ...g.deps].filter((id) => byId.has(id));
  const earliestFinish = new Map<number, number>();
  const finishOf = (g: Provisioning): number => {
    const known = earliestFinish.get(g.id);
    if (known !== undefined) return known;
    const finish = Math.max(0, ...prerequisites(g).map((id) => finishOf(byId.get(id)!))) + g.duration;
    earliestFinish.set(g.id, finish);
    return finish;
  };
  const perNode = new Map<string, Array<{ release: number; work: number }>>();
  for (const g of guests) {
    const release = Math.max(0, ...prerequisites(g).map((id) => finishOf(byId.get(id)!)));
    perNode.set(nodeOf(g.id), [...(perNode.get(nodeOf(g.id)) ?? []), { release, work: g.duration }]);
  }
  let bound = criticalPathBound(guests);
  for (const jobs of perNode.values()) {
    for (const { release: t } of jobs) {
      const later = jobs.filter((j) => j.release >= t).reduce((sum, j) => sum + j.work, 0);
      bound = Math.max(bound, t + later / slots);
    }
  }
  return bound;
}

interface FleetFigures {
  guests: number;
  wallMs: number;
  upSpanMs: number;
  boundMs: number;
  /** The bound once the per-node limit counts too (nodeLimitBound). */
  nodeLimitBoundMs: number;
  sequentialMs: number;
  wallOverBound: number;
  sequentialOverWall: number;
  nodes: Record<string, number>;
}

/** A guest's run as the bound counts it (epoch ms). */
interface OwnRun {
  start: number;
  end: number;
}

/** Clone task spans from the ledger (pstart in the UPID, end at the entry's time). */
function cloneSpans(entries: LedgerEntry[]): Map<number, { source: number; ms: number; startWall: number }> {
  const tasks = entries
    .filter((e) => typeof e.details?.upid === 'string')
    .map((e) => {
      const fields = String(e.details!.upid).split(':');
      return { e, pstartMs: parseInt(fields[3]!, 16) * 10, startSecond: parseInt(fields[4]!, 16), endWall: Date.parse(e.time) };
    });
  const offset = pstartToWall(tasks);
  const out = new Map<number, { source: number; ms: number; startWall: number }>();
  for (const t of tasks.filter((x) => x.e.kind === 'lxc.clone' || x.e.kind === 'qemu.clone')) {
    out.set(Number(t.e.details!.newid), { source: t.e.vmid!, ms: t.endWall - offset - t.pstartMs, startWall: t.pstartMs + offset });
  }
  return out;
}

/**
 * The offset from a UPID's pstart (clock ticks of the simulator's process) to wall-clock ms. Each
 * UPID also carries its start second (`starttime`, epoch seconds, truncated): start second * 1000
 * - pstart ms is the offset minus how far into its second the task started, so the largest over
 * all tasks is the offset within a few ms (hundreds of tasks start at all points of a second).
 * Calibrating on the task ends instead (the smallest end - pstart) would take the shortest task
 * for instantaneous: every start late by its duration, every clone that much shorter, the bound
 * that much lower (tens of ms a clone at time scale 0.05, hundreds at 0.25).
 */
export function pstartToWall(tasks: ReadonlyArray<{ pstartMs: number; startSecond: number }>): number {
  return Math.max(...tasks.map((t) => t.startSecond * 1000 - t.pstartMs));
}

async function runFleet(stack: Stack, configDir: string, concurrency: number, name: string): Promise<FleetFigures> {
  // What an operator runs first, and what leaves the worker as a long-running one is: `plan` runs a
  // read-only workflow on it, so the timed run does not pay the worker's one-time load of the
  // workflow code into its sandbox (about 0.1 s on the first workflow task a fresh worker takes).
  const lxc = JSON.parse(readFileSync(join(configDir, FILES.lxc), 'utf8')) as { lxc_configs: Record<string, { dependencies?: Array<number | string> }> };
  const firstId = Object.keys(lxc.lxc_configs)[0]!;
  const planned = await stack.cli(['plan', firstId]);
  if (planned.code !== 0) throw new Error(`plan ${firstId} failed:\n${planned.stderr}`);
  const started = performance.now();
  const startedWall = Date.now();
  const run = await stack.cli(['up', '--all', '--concurrency', String(concurrency)]);
  const wallMs = performance.now() - started;
  const exitWall = Date.now();
  if (run.code !== 0) throw new Error(`up --all failed:\n${run.stdout}\n${run.stderr}`);
  const upId = /started (phoenix-up-[0-9a-f]{12})/.exec(run.stderr)?.[1];
  if (!upId) throw new Error(`no up workflow id in:\n${run.stderr}`);
  const connection = await Connection.connect({ address: stack.temporal.address });
  let report: PhoenixUpResult;
  let upRun: { start: number; close: number };
  const slotWaits = new Map<number, number>();
  const slotAsked = new Map<number, number>();
  const ownRuns = new Map<number, OwnRun>();
  let childStarts = new Map<string, number>();
  try {
    const client = new Client({ connection, namespace: stack.temporal.namespace });
    const handle = client.workflow.getHandle(upId);
    report = (await handle.result()) as PhoenixUpResult;
    const d = await handle.describe();
    upRun = { start: d.startTime.getTime(), close: d.closeTime?.getTime() ?? NaN };
    for (const s of report.succeeded) {
      const slot = await runTimings(client, s.workflowId);
      slotWaits.set(s.id, slot.waitMs);
      if (slot.askedAt !== undefined) slotAsked.set(s.id, slot.askedAt);
      ownRuns.set(s.id, slot.run);
    }
    childStarts = await childStartLatencies(client, upId);
    const keep = arg('histories');
    if (keep) await dumpHistories(client, join(keep, name));
  } finally {
    await connection.close();
  }
  const ledger = await stack.ledger();
  const clones = cloneSpans(ledger);
  // Each guest's own work: its run's span, from the child's start to its close (not from the moment
  // `up` asked for the child: the server's start of a child is orchestration, and counting it as
  // the guest's own work hid seconds of it inside the bound), without its wait in the clone-slot
  // queue (that wait is what the bound's serialisation of the clones stands for).
  const guests: Provisioning[] = report.succeeded.map((s) => {
    const clone = clones.get(s.id);
    const { start, end } = ownRuns.get(s.id)!;
    return {
      id: s.id,
      duration: end - start - (slotWaits.get(s.id) ?? 0),
      clone: clone?.ms ?? 0,
      // Up to its clone task, less its wait in the queue: its plan, its template check.
      ...(clone ? { beforeClone: Math.max(0, clone.startWall - start - (slotWaits.get(s.id) ?? 0)) } : {}),
      ...(clone ? { parent: clone.source } : {}),
      deps: (lxc.lxc_configs[String(s.id)]?.dependencies ?? []).map(Number),
    };
  });
  const nodes: Record<string, number> = {};
  for (const e of ledger) if (e.kind === 'lxc.start' || e.kind === 'qemu.start') nodes[e.node ?? '?'] = (nodes[e.node ?? '?'] ?? 0) + 1;
  const boundMs = criticalPathBound(guests);
  // Each guest's node is where it started; a node's provisionings share its `concurrency` slots.
  const nodeOf = new Map<number, string>();
  for (const e of ledger) if ((e.kind === 'lxc.start' || e.kind === 'qemu.start') && e.vmid !== undefined && !nodeOf.has(e.vmid)) nodeOf.set(e.vmid, e.node ?? '?');
  const nodeLimitBoundMs = nodeLimitBound(guests, (id) => nodeOf.get(id) ?? '?', concurrency);
  const sequentialMs = guests.reduce((sum, g) => sum + g.duration, 0);
  const upSpanMs = Math.max(...report.succeeded.map((s) => s.endedAt)) - Math.min(...report.succeeded.map((s) => s.startedAt));
  // Where the time outside the children's spans goes, and each guest's timeline (for reading, not a target).
  const firstChild = Math.min(...report.succeeded.map((s) => s.startedAt));
  const lastChild = Math.max(...report.succeeded.map((s) => s.endedAt));
  const outside = { cliToUpStart: upRun.start - startedWall, upStartToFirstChild: firstChild - upRun.start, lastChildToUpClose: upRun.close - lastChild, upCloseToCliExit: exitWall - upRun.close };
  const ends = new Map(report.succeeded.map((s) => [s.id, s.endedAt]));
  const timeline = report.succeeded.map((s) => {
    const g = guests.find((x) => x.id === s.id)!;
    const ready = Math.max(firstChild, ...[...(g.parent !== undefined ? [g.parent] : []), ...g.deps].map((p) => ends.get(p) ?? firstChild));
    const clone = clones.get(s.id);
    const own = ownRuns.get(s.id)!;
    return { id: s.id, parent: g.parent, slotWait: slotWaits.get(s.id) ?? 0, serverStartMs: childStarts.get(s.workflowId), start: s.startedAt - firstChild, end: s.endedAt - firstChild, ownStart: own.start - firstChild, ownEnd: own.end - firstChild, waitedAfterReady: s.startedAt - ready, ...(clone ? { cloneStart: clone.startWall - firstChild, cloneMs: clone.ms } : {}) };
  });
  const handoffs = handoffGaps(clones, slotAsked);
  writeFileSync(join(REPO, 'bench', 'results', `fleet-timeline-${name}.json`), JSON.stringify({ outside, handoffs, timeline }, null, 1));
  console.log(`  clone-slot handoffs: ${handoffs.count}, clone end to the next clone's start median ${handoffs.medianMs} ms, sum ${(handoffs.sumMs / 1000).toFixed(1)} s (clone tasks sum ${([...clones.values()].reduce((a, c) => a + c.ms, 0) / 1000).toFixed(1)} s)`);
  const starts = [...childStarts.values()].sort((a, b) => a - b);
  const at = (q: number) => starts[Math.min(starts.length - 1, Math.floor(starts.length * q))] ?? 0;
  console.log(`  child starts (up's command to the child's start, inside the children's spans): median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
  console.log(`  outside the children's spans: ${Object.entries(outside).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}`);
  if (report.failed.length || report.skipped.length) throw new Error(`up --all: ${report.failed.length} failed, ${report.skipped.length} skipped`);
  return { guests: guests.length, wallMs, upSpanMs, boundMs, nodeLimitBoundMs, sequentialMs, wallOverBound: wallMs / boundMs, sequentialOverWall: sequentialMs / wallMs, nodes };
}

/**
 * From one guest's history: its run as the bound counts it (`run`), how long it waited for its
 * clone slot, and when it asked (epoch ms; undefined when it took no slot). From the run's history: from scheduling `requestCloneSlot` to the
 * `cloneSlotGranted` signal (0 when the slot was free: no grant is sent); or, since
 * clone-slot-in-activity, the wait the clone activity measured from queueing to the lock's answer
 * and returned in its result, asked when that activity started.
 */
async function runTimings(client: Client, workflowId: string): Promise<{ waitMs: number; askedAt?: number; run: OwnRun }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const time = (e: NonNullable<typeof history.events>[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const events = history.events ?? [];
  // The run's own span: its started event to its close event; for a clone `up` started while its
  // template's run was in progress (afterItsRun), from the end of its wait for that run (what it
  // did before, its plan, overlapped the template's build: no work of its own after its release).
  const waitedForTemplate = events.find((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    const data = a?.activityType?.name === 'ensureLxcTemplateReady' ? a.input?.payloads?.[0]?.data : undefined;
    return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { afterItsRun?: boolean }).afterItsRun === true : false;
  });
  const waitEnded = waitedForTemplate && events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(waitedForTemplate.eventId));
  const run = { start: time(waitEnded ?? events[0]!), end: time(events.at(-1)!) };
  const asked = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestCloneSlot');
  if (asked) {
    const granted = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'cloneSlotGranted');
    return { waitMs: granted ? Math.max(0, time(granted) - time(asked)) : 0, askedAt: time(asked), run };
  }
  const cloning = events.find((e) => /^clone(Container|Vm)InSlot$/.test(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
  if (!cloning) return { waitMs: 0, run };
  const ofCloning = (e: (typeof events)[number]) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(cloning.eventId);
  const started = events.filter((e) => e.activityTaskStartedEventAttributes && ofCloning(e)).at(-1);
  const payload = events.find((e) => e.activityTaskCompletedEventAttributes && ofCloning(e))?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
  const waitMs = payload ? Number((JSON.parse(Buffer.from(payload).toString('utf8')) as { slotWaitMs?: number }).slotWaitMs ?? 0) : 0;
  return { waitMs, ...(started ? { askedAt: time(started) } : {}), run };
}

/**
 * How long the server took to start each child after `up` asked for it: from the parent's
 * StartChildWorkflowExecutionInitiated event to its ChildWorkflowExecutionStarted, by child
 * workflow id. Temporal starts a child while holding the parent's lock, so with many children
 * running (each completion is recorded on the parent too) a start can wait behind the others.
 */
async function childStartLatencies(client: Client, upId: string): Promise<Map<string, number>> {
  const history = await client.workflow.getHandle(upId).fetchHistory();
  const time = (e: NonNullable<typeof history.events>[number]) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const initiated = new Map<string, number>();
  const out = new Map<string, number>();
  for (const e of history.events ?? []) {
    const asked = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (asked) initiated.set(asked, time(e));
    const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (started && initiated.has(started)) out.set(started, time(e) - initiated.get(started)!);
  }
  return out;
}

/**
 * The clone-slot handoffs: two clones of one source one after the other where the second had
 * asked for the slot before the first ended; the gap is from the first clone task's end to the
 * second's start (the simulator's ledger). Median and sum, ms.
 */
function handoffGaps(clones: Map<number, { source: number; ms: number; startWall: number }>, askedAt: Map<number, number>): { count: number; medianMs: number; sumMs: number } {
  const bySource = new Map<number, Array<{ id: number; start: number; end: number }>>();
  for (const [id, c] of clones) bySource.set(c.source, [...(bySource.get(c.source) ?? []), { id, start: c.startWall, end: c.startWall + c.ms }]);
  const gaps: number[] = [];
  for (const list of bySource.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const asked = askedAt.get(list[i]!.id);
      if (asked !== undefined && asked < list[i - 1]!.end) gaps.push(list[i]!.start - list[i - 1]!.end);
    }
  }
  gaps.sort((a, b) => a - b);
  return { count: gaps.length, medianMs: gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0, sumMs: gaps.reduce((a, b) => a + b, 0) };
}

/** Every workflow's history (`--histories <dir>`), for reading where the time between steps goes. */
async function dumpHistories(client: Client, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for await (const w of client.workflow.list()) {
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    writeFileSync(join(dir, `${w.workflowId}.${w.runId}.json`), JSON.stringify(history));
  }
}

/** 6 templates (900 from the ostemplate, 901-905 cloned from it), 60 leaves spread over them. */
function generatedFleet(dir: string): void {
  const shipped = JSON.parse(readFileSync(join(REPO, 'config', FILES.lxc), 'utf8'));
  const base = shipped.lxc_configs['900'];
  const configs: Record<string, unknown> = {};
  const net = (ip: string) => ({ name: 'eth0', bridge: 'vmbr0', ip, gw: '10.0.0.1' });
  configs['900'] = { ...base, network_config: net('10.0.0.200/16') };
  for (let t = 1; t < 6; t++) {
    configs[String(900 + t)] = { name: `Template-${t}`, clone_from_ctid: '900', cores: 1, memory_mb: 1024, storage_size_gb: 8, network_config: net(`10.0.0.${200 + t}/16`), features: [], template_snapshot_name: 'pre-configured' };
  }
  for (let i = 0; i < 60; i++) {
    configs[String(1000 + i)] = { name: `leaf-${i}`, clone_from_ctid: String(900 + (i % 6)), cores: 1, memory_mb: 1024, storage_size_gb: 8, network_config: net(`10.0.1.${10 + i}/16`), features: [] };
  }
  const { lxc_configs: _drop, ...defaults } = shipped;
  writeFileSync(join(dir, FILES.lxc), JSON.stringify({ ...defaults, lxc_configs: configs }, null, 2));
  writeFileSync(join(dir, FILES.vm), JSON.stringify({ vms: [] }, null, 2));
  const hypervisor = JSON.parse(readFileSync(join(dir, FILES.hypervisor), 'utf8'));
  delete hypervisor.shared_volumes;
  writeFileSync(join(dir, FILES.hypervisor), JSON.stringify(hypervisor, null, 2));
}

async function scenario(name: 'shipped' | 'generated', timeScale: number, concurrency: number): Promise<FleetFigures> {
  const dir = mkdtempSync(join(tmpdir(), `phoenix-bench-fleet-${name}-`));
  cpSync(join(REPO, 'config'), dir, { recursive: true });
  if (name === 'generated') generatedFleet(dir);
  const options = { timeScale, configDir: dir, ...(name === 'generated' ? { simArgs: ['--nodes', 'pve1,pve2,pve3'] } : {}) };
  // `--topology production`: the Temporal server binary on PostgreSQL, as deployed (scripts/lib/prod-stack.ts).
  const stack = arg('topology') === 'production' ? await startProdStack({ ...options, ui: false }) : await startStack(options);
  try {
    if (name === 'generated') joinSimCluster(dir, stack.sim.env);
    await stack.startWorker();
    return await runFleet(stack, dir, concurrency, name);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(name: string, f: FleetFigures, sequentialTarget: boolean): void {
  console.log(`${name}: ${f.guests} provisionings on ${Object.entries(f.nodes).map(([n, c]) => `${n} ${c}`).join(', ')}`);
  console.log(`  up --all wall                 ${f.wallMs.toFixed(0).padStart(8)} ms   (up workflow's own span ${f.upSpanMs.toFixed(0)} ms)`);
  console.log(`  critical-path lower bound     ${f.boundMs.toFixed(0).padStart(8)} ms   wall/bound ${f.wallOverBound.toFixed(2)}x (target <= ${BOUND_TARGET}x): ${f.wallOverBound <= BOUND_TARGET ? 'met' : 'NOT met'}`);
  console.log(`  with the per-node limit       ${f.nodeLimitBoundMs.toFixed(0).padStart(8)} ms   wall/that ${(f.wallMs / f.nodeLimitBoundMs).toFixed(2)}x (for reading: the work each node's slots must still do after each release time)`);
  console.log(
    `  sequential (bash original)    ${f.sequentialMs.toFixed(0).padStart(8)} ms   ${f.sequentialOverWall.toFixed(2)}x faster${sequentialTarget ? ` (target >= ${SEQUENTIAL_TARGET}x): ${f.sequentialOverWall >= SEQUENTIAL_TARGET ? 'met' : 'NOT met'}` : ''}`,
  );
}

/** The run whose wall/bound is the median (the lower middle one for an even count). */
function medianRun(all: readonly FleetFigures[]): FleetFigures {
  const sorted = [...all].sort((a, b) => a.wallOverBound - b.wallOverBound);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const timeScale = Number(arg('time-scale') ?? 0.05);
  // The bound leaves the per-node limit out, so by default each scenario runs with a limit that
  // does not bind: 8 for the shipped fleet (one node, 7 containers, never 8 ready at once), 30
  // for the generated one (22-28 guests per node). `--concurrency N` sets both (the per-node bound
  // printed beside is the one to read when it binds).
  const concurrencyOf = (name: 'shipped' | 'generated') => Number(arg('concurrency') ?? (name === 'shipped' ? 8 : 30));
  const only = arg('only');
  console.log(`time scale ${timeScale}, concurrency per node: shipped ${concurrencyOf('shipped')}, generated ${concurrencyOf('generated')}`);
  const figures: Record<string, unknown> = {
    timeScale, concurrency: { shipped: concurrencyOf('shipped'), generated: concurrencyOf('generated') }, targets: { wallOverBound: BOUND_TARGET, sequentialOverWall: SEQUENTIAL_TARGET },
  };
  const bars: Array<{ label: string; value: number; target?: number }> = [];
  // A run on a 2-core machine varies by several percent (its CPU is shared by the server, the worker
  // and the simulator's copies of guest files): `--runs N` repeats each scenario and judges the median.
  const runs = Number(arg('runs') ?? 1);
  for (const name of ['shipped', 'generated'] as const) {
    if (only && only !== name) continue;
    const all: FleetFigures[] = [];
    for (let i = 0; i < runs; i++) {
      const f = await scenario(name, timeScale, concurrencyOf(name));
      print(`${name === 'shipped' ? 'shipped fleet (1 node)' : 'generated fleet (3 nodes, 6 templates, 60 leaves)'}${runs > 1 ? `, run ${i + 1} of ${runs}` : ''}`, f, name === 'generated');
      all.push(f);
    }
    const f = medianRun(all);
    if (runs > 1) {
      const ratios = all.map((r) => r.wallOverBound).sort((a, b) => a - b);
      console.log(
        `${name}: wall/bound over ${runs} runs: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${f.wallOverBound.toFixed(2)}x (target <= ${BOUND_TARGET}x): ${f.wallOverBound <= BOUND_TARGET ? 'met' : 'NOT met'}` +
          (name === 'generated' ? `; sequential/wall of that run ${f.sequentialOverWall.toFixed(2)}x (target >= ${SEQUENTIAL_TARGET}x): ${f.sequentialOverWall >= SEQUENTIAL_TARGET ? 'met' : 'NOT met'}` : ''),
      );
    }
    figures[name] = runs > 1 ? { median: f, runs: all } : f;
    bars.push({ label: `${name}: wall / bound${runs > 1 ? ` (median of ${runs})` : ''}`, value: f.wallOverBound, target: BOUND_TARGET });
    if (name === 'generated') bars.push({ label: `${name}: sequential / wall`, value: f.sequentialOverWall, target: SEQUENTIAL_TARGET });
  }
  const written = await writeBenchReport('fleet', figures, { title: 'up --all against its lower bound and the sequential order', unit: 'x', bars });
  console.log(`wrote ${written.json} and ${written.png}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
