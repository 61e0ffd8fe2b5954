// Detached, re-attachable jobs inside a container (installers that run for many minutes).
//
// A job lives in /var/log/phoenix/jobs/<jobId>/ inside the CT: `script`, `log` (stdout +
// stderr), `pid`, and `exit` (written atomically when it ends). The job id comes from the
// caller (workflow id + step), so a retried activity names the same job.
//
// The claim: a launcher first stages the script it received on stdin in a file of its own
// (outside the job folder) and checks it whole against its sha256; a script cut short by a
// dropped connection is thrown away and nothing else is touched. Only then does it take the
// job's one launch token, `mkdir <dir>/launched` (atomic): the launcher that gets it starts the
// job, every other one (a retry, a launcher racing a slow one) re-attaches. A job id therefore
// runs at most once, and no launcher ever undoes a claim another could have seen, so a job is
// never found "missing" after a start said it existed. A folder left by an earlier launcher
// that died before the job started (the folder but no token, pid or exit) gets launched by the
// next start. The job runs under setsid/nohup with stdin from /dev/null, so it survives the
// SSH connection that started it; it writes its own pid first thing.
//
// Across runs: job ids name the run, so a later run of the same step (after a cancel, say)
// has another id; `listJobs` finds the jobs of a step whatever run started them, so the later
// run can wait for one still running instead of starting a second beside it.
//
// Round trips: `runStep` does a whole step's first look in one `pct exec` (the applied
// marker, the step's other jobs, the launch, a short wait for the job to end, the marker
// write); `jobStatus` waits inside the guest for up to `waitMs` before answering, so a job
// that ends in a fraction of a second costs one exec, a long one an exec every couple of seconds.
import { createHash } from 'node:crypto';
import { SshCommandFailed, SshDisconnected } from './errors';
import type { ExecResult } from './exec';
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

// `wait_state <dir> <ms>`: returns once the job has ended, or after about <ms> of waiting. Looks
// at 10, 20, 40, ... 250 ms intervals, with builtins only but `sleep`: cheap next to the
// `pct exec` round trip each look from outside would cost.
const WAIT_STATE = [
  'wait_state() {',
  '  w=0; step=10',
  '  while [ "$w" -lt "$2" ] && [ ! -f "$1/exit" ] && [ -f "$1/pid" ] && read -r p < "$1/pid" && kill -0 "$p" 2>/dev/null; do',
  '    sleep "$(printf "0.%03d" "$step")"',
  '    w=$((w + step)); step=$((step * 2)); [ "$step" -le 250 ] || step=250',
  '  done',
  '}',
].join('\n');

// `mark_applied <marker> <sha256>`: records that this exact script ran to success in the guest.
const MARK_APPLIED = 'mark_applied() { mkdir -p "${1%/*}" && printf %s "$2" > "$1"; }';

// `report <dir> <lines> <marker> <sha256>`: the state line (writing the applied marker first when
// the job succeeded and a marker is named), a separator, then the log tail.
const REPORT = [
  'report() {',
  '  st=$(job_state "$1")',
  '  if [ "$st" = "exit 0" ] && [ -n "$3" ]; then mark_applied "$3" "$4"; fi',
  '  echo "$st"',
  '  echo ---phoenix-log---',
  '  tail -n "$2" "$1/log" 2>/dev/null || true',
  '}',
].join('\n');

// `launch_job <dir> <script sha256> <command...>`, script text on stdin: prints
// phoenix-job-started or phoenix-job-exists; exits 75 when the script arrived short. The claim
// protocol is described at the top of this file. Everything variable arrives as positional
// parameters, never as shell text.
const LAUNCH_JOB = [
  'launch_job() {',
  '  d=$1; sum=$2; shift 2',
  `  mkdir -p ${JOBS_ROOT}`,
  // Staged under the launcher's own name, outside the job folder, readable by root only.
  `  t=${JOBS_ROOT}/.stage.$$.\${d##*/}`,
  '  (umask 077; cat > "$t")',
  // A connection dropped while the script was on its way leaves it short (an empty script
  // "succeeds"): only the whole script runs. Nothing but the staged file is undone.
  '  if [ "$(sha256sum "$t" | cut -d" " -f1)" != "$sum" ]; then rm -f "$t"; echo "phoenix-job-script-cut-short" >&2; exit 75; fi',
  '  mkdir -m 700 "$d" 2>/dev/null || true',
  // The launch token; a pid or exit without one is a job started before tokens existed.
  '  if [ -f "$d/pid" ] || [ -f "$d/exit" ] || ! mkdir "$d/launched" 2>/dev/null; then rm -f "$t"; echo phoenix-job-exists; return 0; fi',
  '  chmod 700 "$t"',
  '  mv "$t" "$d/script"',
  '  : > "$d/log"',
  // Both the job and its launcher write the pid (the job in case its launcher dies first), each
  // through a file of its own renamed into place: a reader never sees a truncated, empty pid
  // file (which read as a job gone without an exit status).
  '  setsid nohup sh -c \'d=$1; shift; echo $$ > "$d/pid.$$"; mv "$d/pid.$$" "$d/pid"; "$@" >> "$d/log" 2>&1 < /dev/null; echo $? > "$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"\' phoenix-job "$d" "$@" > /dev/null 2>&1 < /dev/null &',
  '  echo $! > "$d/pid.$$"; mv "$d/pid.$$" "$d/pid"',
  '  echo phoenix-job-started',
  '}',
].join('\n');

// `sh -c LAUNCHER phoenix-launch <dir> <sha256> <command...>`, script text on stdin.
const LAUNCHER = ['set -eu', LAUNCH_JOB, 'launch_job "$@"'].join('\n');

// `sh -c STATUS phoenix-status <dir> <lines> <wait ms> [<marker> <sha256>]`: waits up to <wait ms>
// for the job to end, then reports it (see REPORT); `missing` when there is no job folder.
const STATUS = [
  JOB_STATE,
  WAIT_STATE,
  MARK_APPLIED,
  REPORT,
  'if [ ! -d "$1" ]; then echo missing; exit 0; fi',
  'wait_state "$1" "$3"',
  'report "$1" "$2" "${4:-}" "${5:-}"',
].join('\n');

// `sh -c STEP phoenix-step <dir> <sha256> <lines> <wait ms> <marker> <step key> <command...>`,
// script text on stdin: a step's whole first look in one exec. Prints one of
//   phoenix-step-applied             the marker records this script: nothing to do
//   phoenix-step-wait <jobId>        another job of this step (an earlier run's) still runs
//   phoenix-step-adopted <jobId>     an earlier run's job ran this very script to success (marker written)
//   phoenix-job-started|exists, then REPORT's output for this job (after up to <wait ms>).
// The step key is matched literally (`*-<key>`); stdin is drained when the script is not needed.
// A folder of this very job (a retried attempt of the same run) goes straight to the re-attach.
const STEP = [
  'set -eu',
  JOB_STATE,
  WAIT_STATE,
  MARK_APPLIED,
  REPORT,
  LAUNCH_JOB,
  'd=$1; sum=$2; lines=$3; waitms=$4; marker=$5; key=$6; shift 6',
  // This run's own job (a retried attempt): re-attach to it, whatever the marker says (the
  // exec of a crashed attempt may have written it: the step still ran in this run).
  'if [ -d "$d" ]; then launch_job "$d" "$sum" "$@"; wait_state "$d" "$waitms"; report "$d" "$lines" "$marker" "$sum"; exit 0; fi',
  'if [ -f "$marker" ] && [ "$(cat "$marker")" = "$sum" ]; then cat > /dev/null; echo phoenix-step-applied; exit 0; fi',
  'adopt=',
  `for o in ${JOBS_ROOT}/*-"$key"; do`,
  '  if [ ! -d "$o" ] || [ "$o" = "$d" ]; then continue; fi',
  '  st=$(job_state "$o")',
  '  if [ "$st" = running ]; then cat > /dev/null; echo "phoenix-step-wait ${o##*/}"; exit 0; fi',
  '  if [ "$st" = "exit 0" ] && [ -z "$adopt" ] && [ "$(sha256sum "$o/script" 2>/dev/null | cut -d" " -f1)" = "$sum" ]; then adopt=${o##*/}; fi',
  'done',
  'if [ -n "$adopt" ]; then cat > /dev/null; mark_applied "$marker" "$sum"; echo "phoenix-step-adopted $adopt"; exit 0; fi',
  'launch_job "$d" "$sum" "$@"',
  'wait_state "$d" "$waitms"',
  'report "$d" "$lines" "$marker" "$sum"',
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

/** What a step's first look (runStep) found or did. */
export type StepStart =
  | { kind: 'applied' }
  | { kind: 'waiting'; jobId: string }
  | { kind: 'adopted'; jobId: string }
  | { kind: 'job'; started: boolean; status: JobStatus };

export interface RunStepOptions extends StartJobOptions {
  /** What the ids of this step's jobs end with (`<workflow>-<run>-<stepKey>`). */
  stepKey: string;
  /** The applied marker: holds the sha256 of the script last run to success. */
  marker: string;
  logLines?: number;
  /** How long the exec waits in the guest for the job to end before answering. */
  waitMs?: number;
}

/** The parsed state line of JOB_STATE. */
function parseState(head: string): Pick<JobStatus, 'state' | 'exitCode' | 'lost'> {
  if (head === 'running') return { state: 'running' };
  const exit = /^exit (-?\d+)$/.exec(head);
  if (exit) {
    const exitCode = Number(exit[1]);
    return { state: exitCode === 0 ? 'succeeded' : 'failed', exitCode };
  }
  return { state: 'failed', lost: true }; // lost, or unlaunched (a launcher died holding the token)
}

/** REPORT's output (a state line, the separator, the log tail). */
function parseReport(stdout: string): JobStatus {
  const sep = stdout.indexOf('---phoenix-log---\n');
  const head = (sep === -1 ? stdout : stdout.slice(0, sep)).trim();
  const logTail = sep === -1 ? '' : stdout.slice(sep + '---phoenix-log---\n'.length);
  if (head === 'missing') return { state: 'missing', logTail: '' };
  return { ...parseState(head), logTail };
}

const waitArg = (ms: number | undefined) => String(Math.max(0, Math.round(ms ?? 0)));

export function createJobs(pct: Pct) {
  /** `env K=V... <dir>/script args...`, the job's command line, and the script's sha256. */
  function launchArgs(jobId: string, opts: StartJobOptions): { dir: string; sum: string; command: string[] } {
    const dir = jobDir(jobId);
    const envWords = Object.entries(opts.env ?? {}).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new Error(`environment variable name ${JSON.stringify(k)} is not valid`);
      if (v.includes('\0')) throw new Error(`environment variable ${k} contains a NUL byte`);
      return `${k}=${v}`;
    });
    const command = ['env', ...envWords, `${dir}/script`, ...(opts.args ?? [])];
    return { dir, sum: createHash('sha256').update(opts.script).digest('hex'), command };
  }

  /** Runs a launching exec; a script that arrived short is a dropped connection (nothing started). */
  function launching(ctid: number, jobId: string, argv: string[], script: string) {
    return pct.pctExecChecked(ctid, argv, { stdin: script }).catch((err: unknown) => {
      if (err instanceof SshCommandFailed && err.code === 75 && /phoenix-job-script-cut-short/.test(err.stderrTail)) {
        throw new SshDisconnected(`starting job ${jobId} in CT ${ctid}: the script arrived incomplete (connection cut short?); nothing was started`);
      }
      throw err;
    });
  }

  const noAnswer = (ctid: number, jobId: string, r: ExecResult) =>
    new SshCommandFailed(`starting job ${jobId} in CT ${ctid} gave no answer: ${r.stdout} ${r.stderr}`.trim(), 'sh -c <launcher>', r.code, r.signal, r.stderr, r.stdout);

  /**
   * Starts the job unless it was started already. Returns whether this call started it.
   * Safe to call again after a crash or retry with the same id: it re-attaches instead.
   */
  async function startJob(ctid: number, jobId: string, opts: StartJobOptions): Promise<{ started: boolean }> {
    const { dir, sum, command } = launchArgs(jobId, opts);
    const r = await launching(ctid, jobId, ['sh', '-c', LAUNCHER, 'phoenix-launch', dir, sum, ...command], opts.script);
    if (/phoenix-job-started/.test(r.stdout)) return { started: true };
    if (/phoenix-job-exists/.test(r.stdout)) return { started: false };
    throw noAnswer(ctid, jobId, r);
  }

  /**
   * The job's state and log tail. With `waitMs`, waits in the guest up to that long for a running
   * job to end first; with `applied`, a job found succeeded gets its applied marker written.
   */
  async function jobStatus(ctid: number, jobId: string, opts: { logLines?: number; waitMs?: number; applied?: { marker: string; sha256: string } } = {}): Promise<JobStatus> {
    const marker = opts.applied ? [opts.applied.marker, opts.applied.sha256] : [];
    const r = await pct.pctExecChecked(ctid, ['sh', '-c', STATUS, 'phoenix-status', jobDir(jobId), String(opts.logLines ?? 40), waitArg(opts.waitMs), ...marker], { idempotent: true });
    return parseReport(r.stdout);
  }

  /**
   * A step's first look, in one exec: nothing to do when the applied marker records this script;
   * wait when another run's job of the step still runs; take over an earlier run's successful job
   * of this very script; otherwise start (or re-attach to) this run's job and wait up to
   * `waitMs` for it. A job that ended successfully gets the marker written.
   */
  async function runStep(ctid: number, jobId: string, opts: RunStepOptions): Promise<StepStart> {
    if (!JOB_ID.test(opts.stepKey)) throw new Error(`step key ${JSON.stringify(opts.stepKey)} must be of [A-Za-z0-9._-], starting alphanumeric`);
    const { dir, sum, command } = launchArgs(jobId, opts);
    const argv = ['sh', '-c', STEP, 'phoenix-step', dir, sum, String(opts.logLines ?? 40), waitArg(opts.waitMs), opts.marker, opts.stepKey, ...command];
    const r = await launching(ctid, jobId, argv, opts.script);
    const first = r.stdout.slice(0, r.stdout.indexOf('\n') + 1 || undefined).trim();
    if (first === 'phoenix-step-applied') return { kind: 'applied' };
    const other = /^phoenix-step-(wait|adopted) (\S+)$/.exec(first);
    if (other) return { kind: other[1] === 'wait' ? 'waiting' : 'adopted', jobId: other[2]! };
    if (first === 'phoenix-job-started' || first === 'phoenix-job-exists') {
      return { kind: 'job', started: first === 'phoenix-job-started', status: parseReport(r.stdout.slice(r.stdout.indexOf('\n') + 1)) };
    }
    throw noAnswer(ctid, jobId, r);
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

  return { startJob, jobStatus, runStep, listJobs };
}
