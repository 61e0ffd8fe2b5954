// PVE tasks (workers named by UPIDs): status, log, listing, waiting, re-attaching.
//
// Sending a request and waiting for its task are separate on purpose: a failed or
// interrupted wait never re-sends the request. An activity that crashed mid-wait
// re-attaches with the UPID from its heartbeat details, or finds the in-flight task
// with `findRunning` instead of starting the work a second time.
import { LOST_TASK_EXITSTATUS, PveBadRequest, PveError, PveNotFound, PveTaskLost, PveWaitTimeout, taskFailureError } from './errors';
import { abortError } from '../shared/abort';
import { pollDelayMs } from '../shared/poll-delay';
import { sleep, type WaitOptions } from './poll';
import { apiPath, type PveHttp } from './transport';
import { parseUpid } from './upid';

/** What PVE says of every task, in its status and in task lists alike (the UPID's fields). */
interface TaskIdentity {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
}

export interface TaskStatus extends TaskIdentity {
  status: 'running' | 'stopped';
  /** Only when stopped: `OK`, `WARNINGS: n` or the error text. */
  exitstatus?: string;
}

export interface TaskListEntry extends TaskIdentity {
  endtime?: number;
  /** `RUNNING` (uppercase) for active tasks, `OK` / error text for finished ones. */
  status?: string;
}

export interface TaskListFilter {
  /** `archive` (PVE's default) lists finished tasks only; `active` the running ones. */
  source?: 'archive' | 'active' | 'all';
  /** Matches the UPID id field: for clones that is the *source* vmid. */
  vmid?: number;
  typefilter?: string;
  limit?: number;
  since?: number;
}

export interface TaskResult {
  upid: string;
  exitstatus: string;
  /** The task ended with `WARNINGS: n`. */
  warnings: boolean;
}

export interface TaskWaitOptions extends WaitOptions {
  /** Names the operation in errors, e.g. `clone of CT 900 to 901`. */
  what?: string;
  /**
   * PVE may answer 400 `no such task` for a moment after handing out the UPID (another
   * node of the cluster, slow /var/log/pve). Tolerated this long after the wait starts.
   */
  notFoundGraceMs?: number;
  /** Reads failing with transient errors (network, 5xx) are retried this long in a row. */
  unreachableMs?: number;
  /** Lines of the task log put into the error of a failed task (0: the log is not read). */
  logTailLines?: number;
  /** The delay before the next look, from the looks so far and the time waited (pollDelayMs otherwise; pollMs wins). */
  pollDelay?: (polls: number, elapsedMs: number) => number;
}

const isOk = (exitstatus: string) => exitstatus === 'OK' || exitstatus.startsWith('WARNINGS');

export function createTaskClient(http: PveHttp) {
  const taskPath = (upid: string, ...rest: string[]) => apiPath('nodes', parseUpid(upid).node, 'tasks', upid, ...rest);

  async function status(upid: string): Promise<TaskStatus> {
    const s = await http.get<TaskStatus>(taskPath(upid, 'status'));
    if (!s || (s.status !== 'running' && s.status !== 'stopped')) {
      throw new PveBadRequest(`PVE returned an unreadable status for task ${upid}: ${JSON.stringify(s)}`);
    }
    return s;
  }

  async function log(upid: string, start = 0, limit = 500): Promise<Array<{ n: number; t: string }>> {
    return (await http.get<Array<{ n: number; t: string }>>(taskPath(upid, 'log'), { start, limit })) ?? [];
  }

  /** Last `lines` log lines. proxmox-api drops the `total` field, so page forward (bounded). */
  async function logTail(upid: string, lines = 20): Promise<string[]> {
    const page = 500;
    let tail: string[] = [];
    for (let start = 0, pages = 0; pages < 40; pages++, start += page) {
      const chunk = await log(upid, start, page);
      tail = tail.concat(chunk.map((l) => l.t)).slice(-lines);
      if (chunk.length < page) break;
    }
    return tail.filter((t) => t !== 'no content');
  }

  async function list(node: string, filter: TaskListFilter = {}): Promise<TaskListEntry[]> {
    return (
      (await http.get<TaskListEntry[]>(apiPath('nodes', node, 'tasks'), {
        source: filter.source,
        vmid: filter.vmid,
        typefilter: filter.typefilter,
        limit: filter.limit ?? 50,
        since: filter.since,
      })) ?? []
    );
  }

  /**
   * The newest still-running task of `type` for `vmid` on `node`, if any: lets an activity
   * that crashed after sending a request re-attach to the task instead of sending it again.
   */
  async function findRunning(node: string, q: { vmid: number; type: string }): Promise<TaskListEntry | undefined> {
    const active = await list(node, { source: 'active', vmid: q.vmid, typefilter: q.type });
    return active
      .filter((t) => t.type === q.type && t.id === String(q.vmid) && !t.endtime && (t.status === undefined || /^running$/i.test(t.status)))
      .sort((a, b) => b.starttime - a.starttime)[0];
  }

  /** Polls the task on the node named in its UPID until it stops; throws a classified error if it failed. */
  async function wait(upid: string, opts: TaskWaitOptions = {}): Promise<TaskResult> {
    const parsed = parseUpid(upid);
    const what = opts.what ?? `${parsed.type} task ${parsed.id ? `for ${parsed.id} ` : ''}on ${parsed.node}`;
    const graceMs = opts.notFoundGraceMs ?? 10_000;
    const unreachableMs = opts.unreachableMs ?? 60_000;
    const started = Date.now();
    let polls = 0;
    let failingSince: number | undefined;

    for (;;) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (opts.deadline !== undefined && Date.now() > opts.deadline) {
        throw new PveWaitTimeout(`${what} is still running after ${Math.round((Date.now() - started) / 1000)} s (task ${upid}); a retry re-attaches to it`);
      }
      let s: TaskStatus | undefined;
      try {
        s = await status(upid);
        failingSince = undefined;
      } catch (err) {
        const early = Date.now() - started < graceMs;
        const unknownTask = (err instanceof PveBadRequest || err instanceof PveNotFound) && /no such task/i.test(err.pveSaid || err.message);
        if ((err instanceof PveBadRequest || err instanceof PveNotFound) && early) {
          // the task may not be visible yet: poll again
        } else if (unknownTask) {
          // Past the grace: PVE lost the task with its API process (its index never reached disk).
          throw new PveTaskLost(`${what}: PVE no longer knows task ${upid} (its API process was restarted?); a retry checks whether it took effect`, { cause: err });
        } else if (err instanceof PveError && err.transient) {
          failingSince ??= Date.now();
          if (Date.now() - failingSince > unreachableMs) throw err;
        } else {
          throw err;
        }
      }
      polls++;
      opts.onProgress?.({ what, polls, elapsedMs: Date.now() - started, state: s?.status ?? 'unknown' });
      if (s?.status === 'stopped') {
        const exitstatus = s.exitstatus ?? LOST_TASK_EXITSTATUS;
        if (isOk(exitstatus)) return { upid, exitstatus, warnings: exitstatus !== 'OK' };
        const lines = opts.logTailLines ?? 20;
        const logTailLines = lines > 0 ? await logTail(upid, lines).catch(() => []) : [];
        throw taskFailureError(what, { upid, exitstatus, logTail: logTailLines });
      }
      await sleep(opts.pollMs ?? (opts.pollDelay ? opts.pollDelay(polls, Date.now() - started) : pollDelayMs(polls)), opts.signal);
    }
  }

  return { status, log, logTail, list, findRunning, wait };
}

export type TaskClient = ReturnType<typeof createTaskClient>;
