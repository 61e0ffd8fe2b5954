import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The simulated host's API credentials: one API token `root@pam!phoenix`
 * (secret: a lowercase UUID, as proxmox-api requires), root's password, and
 * the key that signs login tickets. Kept in the state folder so they are
 * stable across restarts.
 */
export interface Credentials {
  tokenId: string;
  tokenSecret: string;
  rootPassword: string;
  ticketKey: string;
}

export function loadOrCreateCredentials(stateDir: string): Credentials {
  const file = join(stateDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const creds: Credentials = {
    tokenId: 'root@pam!phoenix',
    tokenSecret: randomUUID(),
    rootPassword: randomBytes(12).toString('base64url'),
    ticketKey: randomBytes(32).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}
