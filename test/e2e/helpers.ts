/**
 * Shared pieces of the end-to-end acceptance tests: config copies, ledger summaries and
 * reading every workflow history of a stack.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, Client } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { REPO, type LedgerEntry, type Stack } from '../../scripts/lib/stack';

/**
 * Short stand-in durations: the whole 900 → 901 → 920 → 950 chain takes seconds (about 15 s of
 * a chain build at 0.02 are Phoenix's own work, the rest the scaled PVE tasks and installers).
 */
export const TIME_SCALE = 0.02;
/**
 * For tests that act inside a running step (kill a worker during the NVIDIA install, cancel
 * during a clone task, restart Temporal between two clones): long enough steps that the action
 * lands in the step on a loaded machine.
 */
export const WINDOWED_TIME_SCALE = 0.05;

export interface ConfigCopy {
  dir: string;
  remove(): void;
}

/**
 * A temporary copy of the shipped config folder; `edit` changes the parsed files before they
 * are written back (keys: `lxc`, `hypervisor`, `vm`).
 */
export function configCopy(edit: (files: { lxc: any; hypervisor: any; vm: any }) => void = () => {}): ConfigCopy {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-e2e-config-'));
  cpSync(join(REPO, 'config'), dir, { recursive: true });
  const names = { lxc: 'phoenix_lxc_configs.json', hypervisor: 'phoenix_hypervisor_config.json', vm: 'phoenix_vm_configs.json' } as const;
  const files = {
    lxc: JSON.parse(readFileSync(join(dir, names.lxc), 'utf8')),
    hypervisor: JSON.parse(readFileSync(join(dir, names.hypervisor), 'utf8')),
    vm: JSON.parse(readFileSync(join(dir, names.vm), 'utf8')),
  };
  edit(files);
  for (const key of Object.keys(names) as Array<keyof typeof names>) {
    writeFileSync(join(dir, names[key]), JSON.stringify(files[key], null, 2));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The guest a ledger entry changed: a clone's new guest, otherwise the entry's vmid. */
export function target(e: LedgerEntry): number | undefined {
  return e.kind.endsWith('.clone') ? Number(e.details?.newid) : e.vmid;
}

/** `kind vmid` → count, for the kinds given. */
export function countBy(entries: LedgerEntry[], kinds: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of entries) {
    if (!kinds.includes(e.kind)) continue;
    const key = `${e.kind} ${target(e)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** job.start count per job id, and the exit codes job.finish recorded per job id. */
export function jobs(entries: LedgerEntry[]): Map<string, { vmid: number; starts: number; exits: unknown[] }> {
  const byId = new Map<string, { vmid: number; starts: number; exits: unknown[] }>();
  for (const e of entries) {
    if (e.kind !== 'job.start' && e.kind !== 'job.finish') continue;
    const id = String(e.details?.jobId);
    const job = byId.get(id) ?? { vmid: e.vmid!, starts: 0, exits: [] };
    if (e.kind === 'job.start') job.starts++;
    else job.exits.push(e.details?.exitCode);
    byId.set(id, job);
  }
  return byId;
}

export function nvidiaInstalls(entries: LedgerEntry[]): LedgerEntry[] {
  return entries.filter((e) => e.kind === 'installer.run' && e.details?.installer === 'nvidia');
}

/** Side effects that a converged re-run must not repeat. */
export const SIDE_EFFECTS = ['lxc.create', 'lxc.clone', 'lxc.snapshot', 'lxc.destroy', 'job.start', 'installer.run'];

export async function temporalClient(stack: Stack): Promise<Client> {
  const connection = await Connection.connect({ address: stack.temporal.address });
  return new Client({ connection, namespace: stack.temporal.namespace });
}

/** Workflow ids and run counts of the stack's workflows (closed and running). */
export async function workflowRuns(client: Client): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const w of client.workflow.list()) runs.set(w.workflowId, (runs.get(w.workflowId) ?? 0) + 1);
  return runs;
}

export { waitFor } from 'phoenix-sim';

/** The ledger as lines, for assertion messages. */
export function ledgerText(entries: LedgerEntry[]): string {
  return entries
    .filter((e) => !/^(ssh\.exec|file\.write)$/.test(e.kind))
    .map((e) => `${e.seq} ${e.kind} ${e.vmid ?? ''} ${JSON.stringify(e.details ?? {})}`)
    .join('\n');
}

/**
 * Every workflow history of the stack (every run, closed or running) as text: strings as
 * they are, payload bytes decoded, plus each execution's memo and search attributes as the
 * visibility store lists them.
 */
export async function allHistoriesText(client: Client): Promise<{ runs: number; text: string }> {
  const parts: string[] = [];
  let runs = 0;
  for await (const w of client.workflow.list()) {
    runs++;
    parts.push(JSON.stringify({ id: w.workflowId, memo: w.memo, searchAttributes: w.searchAttributes, typed: w.typedSearchAttributes }));
    const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    walk(history, parts);
  }
  return { runs, text: parts.join('\n') };
}

function walk(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const v of value) walk(v, out);
  else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      walk(v, out);
    }
  }
}

/** The forms a secret could take in JSON text: as is, JSON-escaped, and each long line of a multi-line one. */
export function secretNeedles(secret: string): string[] {
  const needles = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
  for (const line of secret.split('\n')) if (line.trim().length >= 24 && !/^-----/.test(line)) needles.add(line.trim());
  return [...needles].filter((n) => n.length >= 8);
}

/** The provisioning side effects of building 950 on a fresh host: each template once, then 950 (and its pre-configured snapshot). */
export const CHAIN_950_BUILT_ONCE: Record<string, number> = {
  'lxc.create 900': 1,
  'lxc.clone 901': 1,
  'lxc.clone 920': 1,
  'lxc.clone 950': 1,
  'lxc.snapshot 900': 1,
  'lxc.snapshot 901': 1,
  'lxc.snapshot 920': 1,
  'lxc.snapshot 950': 1, // its reconfigure snapshot, pre-configured
};

/** Counts of the guest-creating side effects, to compare with CHAIN_950_BUILT_ONCE. */
export function provisioningCounts(entries: LedgerEntry[]): Record<string, number> {
  return countBy(entries, ['lxc.create', 'lxc.clone', 'lxc.snapshot', 'lxc.destroy']);
}

/** Chromium from Debian (installed by .ci/run); the flags keep it from calling home on a closed network. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The workflow ids of the rows a Web UI workflow list shows (each row links to `/workflows/<id>/<run id>/`). */
export function listedWorkflowIds(page: { $$eval: Page['$$eval'] }): Promise<string[]> {
  return page.$$eval('a[href*="/workflows/"]', (links) => [
    ...new Set(
      links
        .map((a) => /\/workflows\/([^/?]+)\/[0-9a-f-]{36}\//.exec(decodeURIComponent(a.getAttribute('href') ?? ''))?.[1])
        .filter((id): id is string => id !== undefined),
    ),
  ]);
}

/** A clone task's interval, in ms of the simulator's uptime (see cloneIntervals). */
export interface CloneInterval {
  source: number;
  newid: number;
  start: number;
  end: number;
}

/**
 * The UPID's pstart field is the simulator's uptime in hundredths of a second when the task began;
 * the ledger entry's time is when it ended (wall clock). The wall clock of the simulator's start is
 * at most min(end - pstart) over all tasks (a task takes >= 0 ms), so ends are mapped with that.
 */
export function cloneIntervals(entries: LedgerEntry[]): CloneInterval[] {
  const tasks = entries
    .filter((e) => typeof e.details?.upid === 'string')
    .map((e) => ({ e, pstartMs: parseInt(String(e.details!.upid).split(':')[3]!, 16) * 10, endWall: Date.parse(e.time) }));
  const offset = Math.min(...tasks.map((t) => t.endWall - t.pstartMs));
  return tasks
    .filter((t) => t.e.kind === 'lxc.clone')
    .map((t) => ({ source: t.e.vmid!, newid: Number(t.e.details!.newid), start: t.pstartMs, end: t.endWall - offset }));
}
