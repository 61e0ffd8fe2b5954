import { readFile } from 'node:fs/promises';
import { insideRoot, type GuestPaths } from './paths';

/** Phoenix's detached jobs write `<dir>/<jobid>.log` and finally `<dir>/<jobid>.exit`. */
export const JOBS_DIR = '/var/log/phoenix/jobs';
const JOB_REFERENCE = /\/var\/log\/phoenix\/jobs\/([A-Za-z0-9][A-Za-z0-9._-]*?)\.(?:log|exit|pid|sh)\b/g;
const POLL_MS = 250;

/**
 * Observes Phoenix's detached jobs from the outside, so Phoenix needs no simulator helper:
 * the first `pct exec` whose command line names a file under /var/log/phoenix/jobs/ with a
 * job id not seen before in that guest records `job.start`, and the job's `.exit` file
 * appearing (with a complete line) records `job.finish` with the exit code written there.
 * Later commands that only read the same job's files record nothing.
 */
export class JobWatcher {
  private readonly watching = new Map<string, NodeJS.Timeout>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly paths: GuestPaths,
    private readonly record: (kind: string, fields: Record<string, unknown> & { vmid?: number }) => void,
  ) {}

  /** Called with every command line run inside a guest through `pct exec`. */
  observe(vmid: number, argv: string[]): void {
    const text = argv.join(' ');
    const ids = new Set<string>();
    for (const match of text.matchAll(JOB_REFERENCE)) ids.add(match[1]!);
    for (const jobId of ids) {
      const key = `${vmid}:${jobId}`;
      if (this.seen.has(key)) continue;
      // Only a command that also writes the exit file starts a job; reads of old jobs do not.
      if (!text.includes(`${jobId}.exit`) || !/>\s*\S*\.exit|>\s*["']?\/var\/log\/phoenix\/jobs/.test(text)) continue;
      this.seen.add(key);
      this.record('job.start', { vmid, jobId });
      this.watchExit(vmid, jobId);
    }
  }

  private watchExit(vmid: number, jobId: string): void {
    const key = `${vmid}:${jobId}`;
    const exitFile = insideRoot(this.paths.rootfs(vmid), `${JOBS_DIR}/${jobId}.exit`);
    const poll = async () => {
      this.watching.delete(key);
      let text: string | undefined;
      try {
        text = await readFile(exitFile, 'utf8');
      } catch {
        text = undefined;
      }
      if (text !== undefined && text.endsWith('\n')) {
        const exitCode = Number.parseInt(text.trim(), 10);
        this.record('job.finish', { vmid, jobId, exitCode: Number.isNaN(exitCode) ? text.trim() : exitCode });
        return;
      }
      if (this.seen.has(key)) this.schedule(key, poll);
    };
    this.schedule(key, poll);
  }

  private schedule(key: string, poll: () => Promise<void>): void {
    const timer = setTimeout(() => void poll(), POLL_MS);
    timer.unref();
    this.watching.set(key, timer);
  }

  /** The guest stopped or was destroyed: its unfinished jobs will never write an exit file. */
  forget(vmid: number): void {
    for (const [key, timer] of this.watching) {
      if (key.startsWith(`${vmid}:`)) {
        clearTimeout(timer);
        this.watching.delete(key);
        this.seen.delete(key);
      }
    }
  }

  close(): void {
    for (const timer of this.watching.values()) clearTimeout(timer);
    this.watching.clear();
    this.seen.clear();
  }
}
