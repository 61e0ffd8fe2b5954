/**
 * Secrets the worker needs, read from its own environment or files at the moment an
 * activity needs them: they never travel through workflow inputs, results, history,
 * search attributes, memos or logs.
 */
import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';

type Env = Readonly<Record<string, string | undefined>>;

export interface PveSecrets {
  tokenSecret: string;
}

export type SshSecret = { kind: 'key'; privateKey: string } | { kind: 'password'; password: string };

function misconfigured(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'PhoenixWorkerMisconfigured');
}

function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw misconfigured(`${variable} points to ${path}, which cannot be read: ${(err as Error).message}`);
  }
}

export function pveSecrets(env: Env): PveSecrets {
  const direct = env.PHOENIX_PVE_TOKEN_SECRET?.trim();
  if (direct) return { tokenSecret: direct };
  const file = env.PHOENIX_PVE_TOKEN_SECRET_FILE?.trim();
  if (file) return { tokenSecret: readSecretFile(file, 'PHOENIX_PVE_TOKEN_SECRET_FILE') };
  throw misconfigured(
    'the Proxmox API token secret is not set on the worker: set PHOENIX_PVE_TOKEN_SECRET or PHOENIX_PVE_TOKEN_SECRET_FILE',
  );
}

export function sshSecret(env: Env): SshSecret {
  const keyFile = env.PHOENIX_SSH_KEY_FILE?.trim();
  if (keyFile) return { kind: 'key', privateKey: readSecretFile(keyFile, 'PHOENIX_SSH_KEY_FILE') };
  const password = env.PHOENIX_SSH_PASSWORD;
  if (password) return { kind: 'password', password };
  throw misconfigured('no SSH credential for the Proxmox host on the worker: set PHOENIX_SSH_KEY_FILE or PHOENIX_SSH_PASSWORD');
}
