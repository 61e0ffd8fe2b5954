// phoenix-client from a test: in-process through main() (the same argument parsing, command
// table, output and exit codes, in a fraction of a millisecond), or as the real entry point
// (src/client.ts through tsx) in a child process where the process itself is what is tested.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Output } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { REPO_ROOT } from '../config/fixtures';

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Output that keeps the lines, for assertions. */
export function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

/** The environment a run sees: the test's own, without a developer's PHOENIX_CONFIG_DIR, plus `env`. */
function cliEnv(env: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...process.env, PHOENIX_CONFIG_DIR: undefined, ...env };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** One invocation through main(), with stdout and stderr as the process would print them. */
export async function runCliInProcess(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const io = capture();
  const status = await main(args, io, cliEnv(env));
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  return { status, stdout: text(io.stdout), stderr: text(io.stderr) };
}

/** One invocation of the real entry point in a child process. */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): CliRun {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'client.ts'), ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
