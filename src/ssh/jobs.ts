// Detached, re-attachable jobs inside a container (installers that run for many minutes).
//
// A job lives in /var/log/phoenix/jobs/<jobId>/ inside the CT: `script`, `log` (stdout +
// stderr), `pid`, and `exit` (written atomically when it ends). The job id comes from the
// caller (workflow id + step), so a retried activity names the same job: `startJob` claims
// the folder with `mkdir` (atomic) and does nothing if it already exists, whatever state
// the earlier attempt left it in. The job runs under setsid/nohup with stdin from
// /dev/null, so it survives the SSH connection that started it.
import { abortError, sleep, type WaitOptions } from '../proxmox/poll';
import { GuestJobFailed, SshCommandFailed, SshTimeout } from './errors';
import type { Pct } from './pct';

export const JOBS_ROOT = '/var/log/phoenix/jobs';
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface StartJobOptions {
  /** Script text; run as an executable file, so start it with a `#!` line. */
  script: string;
  args?: readonly string[];
  env?: Record<string, string>;
}

export interface JobStatus {
  state: 'running' | 'succeeded' | 'failed' | 'missing';
  exitCode?: number;
  /** The pid is gone but no exit file was written (CT restarted, job killed). */
  lost?: boolean;
  logTail: string;
}

export function assertJobId(jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new Error(`job id ${JSON.stringify(jobId)} must be 1-128 of [A-Za-z0-9._-], starting alphanumeric`);
  return jobId;
}

export const jobDir = (jobId: string) => `${JOBS_ROOT}/${assertJobId(jobId)}`;

// Runs inside the CT as `sh -c LAUNCHER launcher <dir> <command...>`, script text on stdin.
// Everything variable arrives as positional parameters, never as shell text.
const LAUNCHER = [
  'set -eu',
  'd=$1; shift',
  `mkdir -p ${JOBS_ROOT}`,
  // The atomic claim: a second start of the same job id stops here.
  'if ! mkdir -m 700 "$d" 2>/dev/null; then echo phoenix-job-exists; exit 0; fi',
  'cat > "$d/script"',
  'chmod 700 "$d/script"',
  ': > "$d/log"',
  'setsid nohup sh -c \'d=$1; shift; "$@" >> "$d/log" 2>&1 < /dev/null; echo $? > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"\' phoenix-job "$d" "$@" > /dev/null 2>&1 < /dev/null &',
  'echo $! > "$d/pid"',
  'echo phoenix-job-started',
].join('\n');

// `sh -c STATUS status <dir> <lines>`: prints the state line, a separator, then the log tail.
// A live pid only counts if that process is still our wrapper (its argv names the job
// dir), so a pid reused after a CT restart does not look like a running job.
const STATUS = [
  'd=$1',
  'if [ ! -d "$d" ]; then echo missing; exit 0; fi',
  'state=lost',
  'if [ -f "$d/exit" ]; then state="exit $(cat "$d/exit")"',
  'elif [ -f "$d/pid" ]; then',
  '  p=$(cat "$d/pid")',
  '  if kill -0 "$p" 2>/dev/null && { [ ! -r "/proc/$p/cmdline" ] || tr "\\0" "\\n" < "/proc/$p/cmdline" | grep -qxF "$d"; }; then state=running',
  '  elif [ -f "$d/exit" ]; then state="exit $(cat "$d/exit")"; fi',
  'fi',
  'echo "$state"',
  'echo ---phoenix-log---',
  'tail -n "$2" "$d/log" 2>/dev/null || true',
].join('\n');

export function createJobs(pct: Pct) {
  /**
   * Starts the job unless its folder already exists. Returns whether this call started it.
   * Safe to call again after a crash or retry with the same id: it re-attaches instead.
   */
  async function startJob(ctid: number, jobId: string, opts: StartJobOptions): Promise<{ started: boolean }> {
    const dir = jobDir(jobId);
    const envWords = Object.entries(opts.env ?? {}).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new Error(`environment variable name ${JSON.stringify(k)} is not valid`);
      if (v.includes('\0')) throw new Error(`environment variable ${k} contains a NUL byte`);
      return `${k}=${v}`;
    });
    const command = ['env', ...envWords, `${dir}/script`, ...(opts.args ?? [])];
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', LAUNCHER, 'phoenix-launch', dir, ...command], { stdin: opts.script });
    if (/phoenix-job-started/.test(r.stdout)) return { started: true };
    if (/phoenix-job-exists/.test(r.stdout)) return { started: false };
    throw new SshCommandFailed(`starting job ${jobId} in CT ${ctid} gave no answer: ${r.stdout} ${r.stderr}`.trim(), 'sh -c <launcher>', r.code, r.signal, r.stderr, r.stdout);
  }

  async function jobStatus(ctid: number, jobId: string, opts: { logLines?: number } = {}): Promise<JobStatus> {
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', STATUS, 'phoenix-status', jobDir(jobId), String(opts.logLines ?? 40)]);
    const sep = r.stdout.indexOf('---phoenix-log---\n');
    const head = (sep === -1 ? r.stdout : r.stdout.slice(0, sep)).trim();
    const logTail = sep === -1 ? '' : r.stdout.slice(sep + '---phoenix-log---\n'.length);
    if (head === 'missing') return { state: 'missing', logTail: '' };
    if (head === 'running') return { state: 'running', logTail };
    const exit = /^exit (-?\d+)$/.exec(head);
    if (exit) {
      const exitCode = Number(exit[1]);
      return { state: exitCode === 0 ? 'succeeded' : 'failed', exitCode, logTail };
    }
    return { state: 'failed', lost: true, logTail };
  }

  /**
   * Polls until the job ends; throws GuestJobFailed with the log tail if it failed, was
   * lost, or never existed. For heartbeating activities: pass onProgress.
   */
  async function waitForJob(ctid: number, jobId: string, opts: WaitOptions = {}): Promise<JobStatus> {
    const started = Date.now();
    for (let polls = 1; ; polls++) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const s = await jobStatus(ctid, jobId);
      opts.onProgress?.({ what: `job ${jobId} in CT ${ctid}`, polls, elapsedMs: Date.now() - started, state: s.state });
      if (s.state === 'succeeded') return s;
      if (s.state === 'failed' || s.state === 'missing') {
        const why =
          s.state === 'missing' ? 'was never started' : s.lost ? 'is gone without an exit status (killed, or the CT restarted)' : `exited with ${s.exitCode}`;
        const tailText = s.logTail.trim();
        throw new GuestJobFailed(`job ${jobId} in CT ${ctid} ${why}${tailText ? `; log tail:\n${tailText}` : ''}`, jobId, s.exitCode, s.logTail);
      }
      if (opts.deadline !== undefined && Date.now() > opts.deadline) {
        throw new SshTimeout(`job ${jobId} in CT ${ctid} is still running after ${Math.round((Date.now() - started) / 1000)} s; a retry re-attaches to it`);
      }
      await sleep(opts.pollMs ?? 2000, opts.signal);
    }
  }

  return { startJob, jobStatus, waitForJob };
}
