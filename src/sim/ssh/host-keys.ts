import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';

/**
 * The simulated host's SSH identity and root's login key, generated once and kept in the
 * state folder so a restarted simulator keeps the fingerprint clients pinned. Keys are
 * ed25519 in OpenSSH format, which both ssh2 and OpenSSH read.
 */
export interface SshKeys {
  hostPrivateKey: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  hostFingerprint: string;
  rootPrivateKey: string;
  rootPublicKey: string;
  rootPrivateKeyFile: string;
}

function loadOrGenerate(dir: string, name: string, comment: string): { privateKey: string; publicKey: string; file: string } {
  const file = join(dir, name);
  if (!existsSync(file)) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    writeFileSync(file, pair.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  }
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim(), file };
}

/** Fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprintOfPublicKey(line: string): string {
  const blob = Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64');
  return fingerprintOfBlob(blob);
}

export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function loadSshKeys(stateDir: string): SshKeys {
  const dir = join(stateDir, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = loadOrGenerate(dir, 'ssh_host_ed25519_key', 'root@pve');
  const root = loadOrGenerate(dir, 'root_id_ed25519', 'root@phoenix-sim');
  return {
    hostPrivateKey: host.privateKey,
    hostFingerprint: fingerprintOfPublicKey(host.publicKey),
    rootPrivateKey: root.privateKey,
    rootPublicKey: root.publicKey,
    rootPrivateKeyFile: root.file,
  };
}
