// `pct` on the PVE host over SSH: for what the API cannot do with a token (root-only
// keys, raw lxc.* lines) or at all (running commands in a CT, pushing files).
// `pct` runs as root@pam on the host, so root-only checks do not apply.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { SshCommandFailed } from './errors';
import type { CommandRunner, ExecOptions, ExecResult } from './exec';
import { ensureLxcConfLinesInText, type EnsureLinesResult } from './lxc-conf';

export type PushSource = { content: string | Buffer } | { hostPath: string };

export interface PushOptions {
  /** Octal mode string, e.g. `0644`. */
  perms?: string;
  user?: string;
  group?: string;
  /** Create the destination's parent directory in the CT first (default true). */
  mkdirs?: boolean;
}

export type PctStatus = 'running' | 'stopped' | 'missing';


export function assertCtid(ctid: number): string {
  if (!Number.isInteger(ctid) || ctid < 100 || ctid > 999_999_999) throw new Error(`invalid container id ${String(ctid)}`);
  return String(ctid);
}


export function parseListSnapshots(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^[\s|`]*->\s+(\S+)/.exec(line);
    if (m && m[1] !== 'current') names.push(m[1]!);
  }
  return names;
}

export function createPct(run: CommandRunner) {
  const confPath = (ctid: number) => `/etc/pve/lxc/${assertCtid(ctid)}.conf`;

  /** Runs argv inside the CT (`pct exec <id> -- argv`); stdout/stderr/exit are the command's own. */
  const pctExec = (ctid: number, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> =>
    run.exec(['pct', 'exec', assertCtid(ctid), '--', ...argv], opts);
  const pctExecChecked = (ctid: number, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> =>
    run.execChecked(['pct', 'exec', assertCtid(ctid), '--', ...argv], opts);

  /**
   * Copies content (or a host file) into the CT. Content goes to a private temp file on
   * the host first (stdin → `cat`), because `pct push` reads from the host.
   */
  async function pctPush(ctid: number, source: PushSource, dest: string, opts: PushOptions = {}): Promise<void> {
    if (!posix.isAbsolute(dest) || dest.split('/').includes('..')) throw new Error(`push destination must be an absolute path without '..': ${dest}`);
    if (opts.perms !== undefined && !/^0?[0-7]{3,4}$/.test(opts.perms)) throw new Error(`perms must be an octal mode like 0644, got ${opts.perms}`);
    if (opts.mkdirs !== false) await pctExecChecked(ctid, ['mkdir', '-p', posix.dirname(dest)], { idempotent: true });
    let hostPath: string;
    let tempDir: string | undefined;
    if ('content' in source) {
      // A fresh 0700 directory keeps the content private while it sits on the host.
      tempDir = `/tmp/phoenix-push-${randomBytes(8).toString('hex')}`;
      // -p: a re-run after a dropped connection finds the folder it made (the name is random).
      await run.execChecked(['mkdir', '-p', '-m', '0700', tempDir], { idempotent: true });
      hostPath = `${tempDir}/content`;
    } else {
      hostPath = source.hostPath;
    }
    try {
      if ('content' in source) await run.writeFile(hostPath, source.content);
      const argv = ['pct', 'push', assertCtid(ctid), hostPath, dest];
      if (opts.perms) argv.push('--perms', opts.perms);
      if (opts.user) argv.push('--user', opts.user);
      if (opts.group) argv.push('--group', opts.group);
      await run.execChecked(argv, { idempotent: true });
    } finally {
      if (tempDir) await run.exec(['rm', '-rf', tempDir]).catch(() => undefined);
    }
  }

  /**
   * `pct set <id> --key value ...` for keys the API refuses to a token (bind/device mount
   * points, devN, features beyond nesting). Values are argv words, never shell text.
   */
  async function pctSet(ctid: number, keys: Record<string, string | number | boolean>, opts: { delete?: string[] } = {}): Promise<void> {
    const argv = ['pct', 'set', assertCtid(ctid)];
    for (const [key, value] of Object.entries(keys)) {
      if (!/^[a-z][a-z0-9_-]*$/.test(key)) throw new Error(`not a pct option name: ${JSON.stringify(key)}`);
      argv.push(`--${key}`, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
    if (opts.delete?.length) {
      for (const k of opts.delete) if (!/^[a-z][a-z0-9_-]*$/.test(k)) throw new Error(`not a pct option name: ${JSON.stringify(k)}`);
      argv.push('--delete', opts.delete.join(','));
    }
    if (argv.length === 3) return;
    await run.execChecked(argv, { idempotent: true });
  }

  const readLxcConf = async (ctid: number): Promise<string> => (await run.execChecked(['cat', confPath(ctid)], { idempotent: true })).stdout;

  /**
   * Makes sure the raw lines are in the CT's main config section: read, compute the new
   * text, and write it back with one `cat >` only if the file is still what the text was
   * computed from (re-read right before writing; up to 3 rounds). Changes take effect at
   * the next CT start; `changed` tells the caller a restart is due. `beforeWrite` runs just
   * before the file is written (the caller records that a restart is due, durably).
   */
  async function ensureLxcConfLines(
    ctid: number,
    lines: readonly string[],
    opts: { exclusiveKeys?: string[]; beforeWrite?: () => Promise<void> } = {},
  ): Promise<EnsureLinesResult> {
    for (let attempt = 1; ; attempt++) {
      const current = await readLxcConf(ctid);
      const result = ensureLxcConfLinesInText(current, lines, opts.exclusiveKeys);
      if (!result.changed) return result;
      if ((await readLxcConf(ctid)) !== current) {
        if (attempt >= 3) throw new Error(`${confPath(ctid)} keeps changing while Phoenix edits it; is another tool editing it?`);
        continue;
      }
      await opts.beforeWrite?.();
      await run.replaceFile(confPath(ctid), result.content);
      return result;
    }
  }

  /** `pct status`: a missing CT is a state here, not an error. */
  async function pctStatus(ctid: number): Promise<PctStatus> {
    const r = await run.exec(['pct', 'status', assertCtid(ctid)], { idempotent: true });
    if (r.code === 0) {
      const m = /status:\s*(\w+)/.exec(r.stdout);
      if (m?.[1] === 'running' || m?.[1] === 'stopped') return m[1];
    }
    if (/does not exist/.test(r.stderr)) return 'missing';
    throw new SshCommandFailed(`\`pct status ${ctid}\` on ${run.target} gave no status: ${r.stderr || r.stdout}`, `pct status ${ctid}`, r.code, r.signal, r.stderr, r.stdout);
  }

  /** Snapshot names from `pct listsnapshot` (without the `current` pseudo entry). */
  const pctListSnapshots = async (ctid: number): Promise<string[]> =>
    parseListSnapshots((await run.execChecked(['pct', 'listsnapshot', assertCtid(ctid)], { idempotent: true })).stdout);

  return { pctExec, pctExecChecked, pctPush, pctSet, readLxcConf, ensureLxcConfLines, pctStatus, pctListSnapshots };
}

export type Pct = ReturnType<typeof createPct>;
