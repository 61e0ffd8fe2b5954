// Runs the real phoenix-client entry point (src/client.ts through tsx) as a child process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/fixtures';

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): CliRun {
  const childEnv: Record<string, string | undefined> = { ...process.env, PHOENIX_CONFIG_DIR: undefined, ...env };
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'client.ts'), ...args], {
    cwd: REPO_ROOT,
    env: Object.fromEntries(Object.entries(childEnv).filter((e): e is [string, string] => e[1] !== undefined)),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
