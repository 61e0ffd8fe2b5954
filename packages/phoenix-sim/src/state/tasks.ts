import { TaskError } from './errors';
import type { SimClock } from './clock';
import type { Faults } from './faults';
import type { TaskRecord } from './types';

/**
 * PVE tasks (workers). A task gets its UPID at once, runs in the background
 * through its phases, and ends `stopped` with `exitstatus` `OK` or the error
 * text, its log ending `TASK OK` / `TASK ERROR: <msg>`. The worker function
 * does its timed work through `ctx.work(ms)`, the one place where simulated
 * time passes and where an injected `task-fail` fault strikes.
 */
export interface TaskContext {
  readonly upid: string;
  log(line: string): void;
  /** Spends `ms` of PVE time (scaled); throws the injected failure if a `task-fail` fault matched. */
  work(ms: number): Promise<void>;
}

export interface TaskHandle {
  upid: string;
  record: TaskRecord;
  /** Settles when the task has stopped (never rejects; read `record.exitstatus`). */
  done: Promise<TaskRecord>;
}

export interface StartTaskOptions {
  node: string;
  type: string;
  id: string;
  user: string;
  run: (ctx: TaskContext) => Promise<void>;
}

/** How many finished tasks are kept (PVE's index is bounded too). */
const ARCHIVE_LIMIT = 2000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export class TaskManager {
  private readonly records = new Map<string, TaskRecord>();
  private readonly running = new Map<string, Promise<TaskRecord>>();
  private nextPid = 0x1000 + Math.floor(Math.random() * 0xf0000);
  /** Called after every task state change (persistence hooks in here). */
  onChange: () => void = () => {};

  constructor(
    private readonly clock: SimClock,
    private readonly faults: Faults,
  ) {}

  start(opts: StartTaskOptions): TaskHandle {
    const pid = this.nextPid++;
    const starttime = Math.floor(this.clock.now() / 1000);
    // pstart is the process start in clock ticks since boot; any monotonic number works for clients.
    const pstart = Math.floor(process.uptime() * 100) + 0x100000;
    const upid = `UPID:${opts.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${opts.type}:${opts.id}:${opts.user}:`;
    const record: TaskRecord = { upid, node: opts.node, pid, pstart, starttime, type: opts.type, id: opts.id, user: opts.user, status: 'running', log: [] };
    this.records.set(upid, record);
    const fault = this.faults.match('task', `${opts.type}:${opts.id}`);
    const ctx: TaskContext = {
      upid,
      log: (line) => {
        record.log.push(line);
      },
      work: async (ms) => {
        await this.clock.sleep(ms);
        if (fault && fault.kind === 'task-fail') throw new TaskError(fault.message ?? `simulated failure of task ${opts.type}`);
      },
    };
    const done = (async () => {
      // Let the HTTP answer (the UPID) leave before the worker's first step, as PVE's fork does.
      await new Promise((r) => setImmediate(r));
      try {
        await opts.run(ctx);
        this.finish(record, 'OK');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.finish(record, message.replace(/\n+$/, '').replace(/\n/g, ' '));
      }
      this.running.delete(upid);
      return record;
    })();
    this.running.set(upid, done);
    this.onChange();
    return { upid, record, done };
  }

  private finish(record: TaskRecord, exitstatus: string): void {
    record.status = 'stopped';
    record.exitstatus = exitstatus;
    record.endtime = Math.floor(this.clock.now() / 1000);
    record.log.push(exitstatus === 'OK' ? 'TASK OK' : `TASK ERROR: ${exitstatus}`);
    this.trim();
    this.onChange();
  }

  get(upid: string): TaskRecord | undefined {
    return this.records.get(upid);
  }

  /** Settles when the task has stopped (at once for a finished or unknown one). */
  wait(upid: string): Promise<TaskRecord | undefined> {
    return this.running.get(upid) ?? Promise.resolve(this.records.get(upid));
  }

  all(): TaskRecord[] {
    return [...this.records.values()];
  }

  /** Waits for every running task (used by close and by tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  /** Restores persisted tasks; tasks that were running when the simulator stopped end as PVE reports a vanished worker. */
  load(records: TaskRecord[]): string[] {
    const interrupted: string[] = [];
    for (const r of records) {
      if (r.status === 'running') {
        r.status = 'stopped';
        r.exitstatus = 'unexpected status';
        r.endtime = Math.floor(this.clock.now() / 1000);
        interrupted.push(r.upid);
      }
      this.records.set(r.upid, r);
      const pid = r.pid + 1;
      if (pid > this.nextPid) this.nextPid = pid;
    }
    return interrupted;
  }

  reset(): void {
    this.records.clear();
  }

  private trim(): void {
    if (this.records.size <= ARCHIVE_LIMIT) return;
    for (const [upid, r] of this.records) {
      if (this.records.size <= ARCHIVE_LIMIT) break;
      if (r.status === 'stopped') this.records.delete(upid);
    }
  }
}
