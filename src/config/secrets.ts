/**
 * Secrets never live in the config files: they would end up in git, in backups, and (through
 * workflow inputs) in Temporal history. A secret-looking key in the `proxmox` block is an error that
 * names the environment variable to use instead. The value itself is never echoed.
 */
import { ENV } from './env';
import { CONFIG_FILES } from './files';
import { formatPath, type ConfigIssue } from './issues';
import { isObject } from './json-walk';

interface SecretRule {
  readonly matches: RegExp;
  readonly advice: (inSsh: boolean) => string;
}

const RULES: readonly SecretRule[] = [
  {
    matches: /secret|^token$|api_?key/i,
    advice: () => `put the API token secret in ${ENV.tokenSecret} or a file named by ${ENV.tokenSecretFile}`,
  },
  {
    matches: /private_?key|identity|key_?file|ssh_?key/i,
    advice: () => `put the path of the SSH private key in ${ENV.sshKeyFile}`,
  },
  {
    matches: /pass(word|wd|phrase)?$/i,
    advice: (inSsh) =>
      inSsh
        ? `put the SSH password in ${ENV.sshPassword}`
        : `Phoenix signs in to the API with a token (token_id here, its secret in ${ENV.tokenSecret}); an SSH password goes in ${ENV.sshPassword}`,
  },
];

/** Report and remove secret-looking keys anywhere under `proxmox` in the raw hypervisor file. */
export function extractSecretKeys(raw: unknown): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  if (!isObject(raw) || !isObject(raw['proxmox'])) return errors;
  const visit = (node: Record<string, unknown>, path: string[]): void => {
    for (const key of Object.keys(node)) {
      const rule = RULES.find((r) => r.matches.test(key));
      if (rule) {
        errors.push({
          file: CONFIG_FILES.hypervisor,
          path: formatPath([...path, key]),
          message: `secrets do not belong in config files: remove this key; ${rule.advice(path.includes('ssh'))}`,
        });
        delete node[key];
        continue;
      }
      const child = node[key];
      if (isObject(child)) visit(child, [...path, key]);
    }
  };
  visit(raw['proxmox'], ['proxmox']);
  return errors;
}
