/**
 * Passwords setup sets on the host (Samba accounts, Linux users), read from the worker's
 * environment or a file it names, at the moment the step needs them. They reach the host only on
 * a command's stdin: never in a command line, a workflow input or result, history or a log.
 */
import { readFileSync } from 'node:fs';
import { permanent } from '../common/classify';

type Env = Readonly<Record<string, string | undefined>>;

export type SecretKind = 'SAMBA' | 'USER';

/** `PHOENIX_SAMBA_PASSWORD_HEADS` for Samba user "heads" (`-` becomes `_`). */
export function secretVariable(kind: SecretKind, user: string): string {
  return `PHOENIX_${kind}_PASSWORD_${user.toUpperCase().replace(/-/g, '_')}`;
}

/** The password from `<VAR>` or the file named by `<VAR>_FILE`; undefined when neither is set. */
export function setupSecret(env: Env, kind: SecretKind, user: string): string | undefined {
  const name = secretVariable(kind, user);
  const direct = env[name];
  if (direct) return direct;
  const file = env[`${name}_FILE`]?.trim();
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw permanent(`${name}_FILE points to ${file}, which cannot be read: ${(err as Error).message}`, 'PhoenixWorkerMisconfigured');
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret || /[\n\r]/.test(secret)) throw permanent(`${name}_FILE (${file}) must hold the password on one line`, 'PhoenixWorkerMisconfigured');
  return secret;
}
