// Detached, re-attachable jobs inside a container (installers that run for many minutes).
//
// A job lives in /var/log/phoenix/jobs/<jobId>/ inside the CT: `script`, `log` (stdout +
// stderr), `pid`, and `exit` (written atomically when it ends). The job id comes from the
// caller (workflow id + step), so a retried activity names the same job: `startJob` claims
// the folder with `mkdir` (atomic) and does nothing if it already exists, whatever state
// the earlier attempt left it in. The job runs under setsid/nohup with stdin from
// /dev/null, so it survives the SSH connection that started it.
//
// Crash window: a launcher killed after its `mkdir` but before the job started leaves a
// folder with neither `pid` nor `exit`. The next startJob of that id launches it then (once:
// a second claim, `mkdir <dir>/relaunch`, guards it). The job writes its own pid first thing,
// so a job that did start always has one.
//
// Across runs: job ids name the run, so a later run of the same step (after a cancel, say)
// has another id; `listJobs` finds the jobs of a step whatever run started them, so the later
// run can wait for one still running instead of starting a second beside it.
import { createHash } from 'node:crypto';
import { SshCommandFailed, SshDisconnected } from './errors';
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

// Runs inside the CT as `sh -c LAUNCHER launcher <dir> <script sha256> <command...>`, script text on stdin.
// Everything variable arrives as positional parameters, never as shell text.
const LAUNCHER = [
  'set -eu',
  'd=$1; sum=$2; shift 2',
  `mkdir -p ${JOBS_ROOT}`,
  // The atomic claim: a second start of the same job id stops here, unless the launcher that
  // claimed it died before the job started (no pid, no exit): then this one launches it, once.
  'claim=$d',
  'if ! mkdir -m 700 "$d" 2>/dev/null; then',
  '  if [ -f "$d/pid" ] || [ -f "$d/exit" ] || ! mkdir "$d/relaunch" 2>/dev/null; then echo phoenix-job-exists; exit 0; fi',
  '  claim=$d/relaunch',
  'fi',
  // Each launcher stages the script under its own name: a launcher whose connection was cut
  // may still be reading its stdin while a retry's launcher (the relaunch claim) writes its own.
  't=$d/script.tmp.$$',
  'cat > "$t"',
  // A connection dropped while the script was on its way leaves it short (an empty script
  // "succeeds"): only the whole script runs. The launcher undoes its own claim only (the
  // folder is removed only while empty), so a retry starts afresh and a retry's launcher
  // already at work is left alone.
  'if [ "$(sha256sum "$t" | cut -d" " -f1)" != "$sum" ]; then rm -f "$t"; rmdir "$claim" 2>/dev/null || true; echo "phoenix-job-script-cut-short" >&2; exit 75; fi',
  'chmod 700 "$t"',
  'mv "$t" "$d/script"',
  ': > "$d/log"',
  'setsid nohup sh -c \'d=$1; shift; echo $$ > "$d/pid"; "$@" >> "$d/log" 2>&1 < /dev/null; echo $? > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"\' phoenix-job "$d" "$@" > /dev/null 2>&1 < /dev/null &',
  'echo $! > "$d/pid"',
  'echo phoenix-job-started',
].join('\n');

// `job_state <dir>` prints `running`, `exit <code>`, `lost` or `unlaunched`. A live pid only
// counts if that process is still our wrapper (its argv names the job dir), so a pid reused
// after a CT restart does not look like a running job.
const JOB_STATE = [
  'job_state() {',
  '  if [ -f "$1/exit" ]; then echo "exit $(cat "$1/exit")"; return; fi',
  '  if [ ! -f "$1/pid" ]; then echo unlaunched; return; fi',
  '  p=$(cat "$1/pid")',
  '  if kill -0 "$p" 2>/dev/null && { [ ! -r "/proc/$p/cmdline" ] || tr "\\0" "\\n" < "/proc/$p/cmdline" | grep -qxF "$1"; }; then echo running',
  '  elif [ -f "$1/exit" ]; then echo "exit $(cat "$1/exit")"',
  '  else echo lost; fi',
  '}',
].join('\n');

// `sh -c STATUS status <dir> <lines>`: prints the state line, a separator, then the log tail.
const STATUS = [
  JOB_STATE,
  'd=$1',
  'if [ ! -d "$d" ]; then echo missing; exit 0; fi',
  'job_state "$d"',
  'echo ---phoenix-log---',
  'tail -n "$2" "$d/log" 2>/dev/null || true',
].join('\n');

// `sh -c LIST list <root> <suffix>`: one line per job folder named `*-<suffix>`:
// `<jobId> <sha256 of its script or -> <state...>`. The suffix is matched literally.
const LIST = [
  JOB_STATE,
  'for d in "$1"/*-"$2"; do',
  '  [ -d "$d" ] || continue',
  '  sum=$(sha256sum "$d/script" 2>/dev/null | cut -d" " -f1)',
  '  echo "${d##*/} ${sum:--} $(job_state "$d")"',
  'done',
].join('\n');

/** A job of one step, whatever run started it (see listJobs). */
export interface StepJob {
  jobId: string;
  /** sha256 of the script it runs (hex), when its script was written. */
  scriptSha256?: string;
  state: JobStatus['state'];
  exitCode?: number;
}

/** The parsed state line of JOB_STATE. */
function parseState(head: string): Pick<JobStatus, 'state' | 'exitCode' | 'lost'> {
  if (head === 'running') return { state: 'running' };
  const exit = /^exit (-?\d+)$/.exec(head);
  if (exit) {
    const exitCode = Number(exit[1]);
    return { state: exitCode === 0 ? 'succeeded' : 'failed', exitCode };
  }
  return { state: 'failed', lost: true }; // lost, or unlaunched (a startJob of the same id launches it)
}

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
    const sum = createHash('sha256').update(opts.script).digest('hex');
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', LAUNCHER, 'phoenix-launch', dir, sum, ...command], { stdin: opts.script }).catch((err: unknown) => {
      if (err instanceof SshCommandFailed && err.code === 75 && /phoenix-job-script-cut-short/.test(err.stderrTail)) {
        throw new SshDisconnected(`starting job ${jobId} in CT ${ctid}: the script arrived incomplete (connection cut short?); nothing was started`);
      }
      throw err;
    });
    if (/phoenix-job-started/.test(r.stdout)) return { started: true };
    if (/phoenix-job-exists/.test(r.stdout)) return { started: false };
    throw new SshCommandFailed(`starting job ${jobId} in CT ${ctid} gave no answer: ${r.stdout} ${r.stderr}`.trim(), 'sh -c <launcher>', r.code, r.signal, r.stderr, r.stdout);
  }

  async function jobStatus(ctid: number, jobId: string, opts: { logLines?: number } = {}): Promise<JobStatus> {
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', STATUS, 'phoenix-status', jobDir(jobId), String(opts.logLines ?? 40)], { idempotent: true });
    const sep = r.stdout.indexOf('---phoenix-log---\n');
    const head = (sep === -1 ? r.stdout : r.stdout.slice(0, sep)).trim();
    const logTail = sep === -1 ? '' : r.stdout.slice(sep + '---phoenix-log---\n'.length);
    if (head === 'missing') return { state: 'missing', logTail: '' };
    return { ...parseState(head), logTail };
  }

  /**
   * The jobs of one step in the guest, whatever run started them: the folders whose id ends
   * with `-<stepKey>` (job ids are `<workflow>-<run>-<stepKey>`).
   */
  async function listJobs(ctid: number, stepKey: string): Promise<StepJob[]> {
    if (!JOB_ID.test(stepKey)) throw new Error(`step key ${JSON.stringify(stepKey)} must be of [A-Za-z0-9._-], starting alphanumeric`);
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', LIST, 'phoenix-list', JOBS_ROOT, stepKey], { idempotent: true });
    return r.stdout
      .split('\n')
      .map((line) => /^(\S+) (\S+) (.+)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, jobId, sum, head]) => {
        const { state, exitCode } = parseState(head!);
        return { jobId: jobId!, ...(sum !== '-' ? { scriptSha256: sum } : {}), state, ...(exitCode !== undefined ? { exitCode } : {}) };
      });
  }

  return { startJob, jobStatus, listJobs };
}
