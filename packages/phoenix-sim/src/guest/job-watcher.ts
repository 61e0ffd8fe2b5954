import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { insideRoot, type GuestPaths } from './paths';

/**
 * Where detached jobs keep their files inside a guest. Two layouts are recognised:
 *   <dir>/<jobId>/{script,log,pid,exit}   one folder per job (Phoenix's layout)
 *   <dir>/<jobId>.log, <dir>/<jobId>.exit  flat files (hand-written setsid jobs)
 * In both the exit file appears, holding the exit status and a newline, when the job ends.
 */
export const JOBS_DIR = '/var/log/phoenix/jobs';
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const FLAT_FILE = /^([A-Za-z0-9][A-Za-z0-9._-]*?)\.(?:log|exit|pid|sh)$/;
const POLL_MS = 250;

interface Job {
  /** Guest path of the exit file. */
  exitFile: string;
}

/**
 * Observes detached jobs from the outside, through the guest's filesystem only, so Phoenix
 * needs no simulator helper. Around every `pct exec` (before it runs and when it exits) the
 * guest's jobs folder is listed: a job not seen before records `job.start` once, and its exit
 * file appearing (with a complete line) records `job.finish` with the status written there.
 *
 * What is already there the first time a guest is looked at (since the simulator started, or
 * since the guest last stopped) is not a new job: a clone's root holds its parent's finished
 * jobs, and a restarted container's jobs were recorded when they started. A job folder counts
 * as started once the launcher wrote its `pid` (or its `exit`): a claimed folder whose start
 * was interrupted never ran.
 */
export class JobWatcher {
  private readonly watching = new Map<string, NodeJS.Timeout>();
  /** vmid → job ids already accounted for (recorded, or there before the first look). */
  private readonly known = new Map<number, Set<string>>();

  constructor(
    private readonly paths: GuestPaths,
    private readonly record: (kind: string, fields: Record<string, unknown> & { vmid?: number }) => void,
  ) {}

  /**
   * Called before a command runs inside a guest through `pct exec`; returns the function to
   * call when it has exited, which looks for the jobs it started.
   */
  observe(vmid: number, _argv?: string[]): () => void {
    this.scan(vmid);
    return () => this.scan(vmid);
  }

  /** Lists the guest's jobs folder and records the jobs that started since the last look. */
  scan(vmid: number): void {
    const found = this.list(vmid);
    let known = this.known.get(vmid);
    if (!known) {
      this.known.set(vmid, new Set(found.keys()));
      return;
    }
    for (const [jobId, job] of found) {
      if (known.has(jobId)) continue;
      known.add(jobId);
      this.record('job.start', { vmid, jobId });
      this.watchExit(vmid, jobId, job.exitFile);
    }
  }

  /** The jobs that have started in this guest's jobs folder, by id. */
  private list(vmid: number): Map<string, Job> {
    const root = this.paths.rootfs(vmid);
    const dir = insideRoot(root, JOBS_DIR);
    const jobs = new Map<string, Job>();
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return jobs;
    }
    for (const name of names) {
      let isDir = false;
      try {
        isDir = statSync(join(dir, name)).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (!JOB_ID.test(name)) continue;
        let files: string[];
        try {
          files = readdirSync(join(dir, name));
        } catch {
          continue;
        }
        if (files.includes('pid') || files.includes('exit')) jobs.set(name, { exitFile: `${JOBS_DIR}/${name}/exit` });
      } else {
        const flat = FLAT_FILE.exec(name);
        if (flat && !jobs.has(flat[1]!)) jobs.set(flat[1]!, { exitFile: `${JOBS_DIR}/${flat[1]}.exit` });
      }
    }
    return jobs;
  }

  private watchExit(vmid: number, jobId: string, guestExitFile: string): void {
    const key = `${vmid}:${jobId}`;
    const exitFile = insideRoot(this.paths.rootfs(vmid), guestExitFile);
    const poll = () => {
      this.watching.delete(key);
      let text: string | undefined;
      try {
        text = readFileSync(exitFile, 'utf8');
      } catch {
        text = undefined;
      }
      if (text !== undefined && text.endsWith('\n')) {
        const exitCode = Number.parseInt(text.trim(), 10);
        this.record('job.finish', { vmid, jobId, exitCode: Number.isNaN(exitCode) ? text.trim() : exitCode });
        return;
      }
      if (this.known.get(vmid)?.has(jobId)) this.schedule(key, poll);
    };
    // The job may have ended before it was first seen (a short one, or one seen late).
    poll();
  }

  private schedule(key: string, poll: () => void): void {
    const timer = setTimeout(poll, POLL_MS);
    timer.unref();
    this.watching.set(key, timer);
  }

  /** The guest stopped or was destroyed: its unfinished jobs will never write an exit file. */
  forget(vmid: number): void {
    for (const [key, timer] of this.watching) {
      if (key.startsWith(`${vmid}:`)) {
        clearTimeout(timer);
        this.watching.delete(key);
      }
    }
    this.known.delete(vmid);
  }

  close(): void {
    for (const timer of this.watching.values()) clearTimeout(timer);
    this.watching.clear();
    this.known.clear();
  }
}
