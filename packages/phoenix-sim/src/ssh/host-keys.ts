import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
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

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/**
 * An ed25519 pair from node:crypto written in OpenSSH's `openssh-key-v1` format (unencrypted).
 * ssh2's own generator now and then writes a key it cannot parse back; this one is checked
 * with ssh2's parser before it is kept.
 */
export function generateEd25519(comment: string): { private: string; public: string } {
  // Encoded by the generator itself: exporting a freshly generated KeyObject can deadlock Node 20
  // (the export holds the key's mutex, allocates, and a GC run destroys the finished key-generation
  // job, whose destructor takes the same mutex; seen as a test process stuck in ExportJWKEdKey).
  const der = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  // DER of an ed25519 key ends with its 32 raw bytes: the public key after a 12-byte SPKI header,
  // the seed after a 16-byte PKCS#8 header.
  if (der.publicKey.length !== 44 || der.privateKey.length !== 48) throw new Error('phoenix-sim: unexpected ed25519 DER lengths');
  const pub = der.publicKey.subarray(12);
  const seed = der.privateKey.subarray(16);
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const one = Buffer.alloc(4);
  one.writeUInt32BE(1);
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), one, sshString(publicBlob), sshString(secret)]);
  const lines = blob.toString('base64').match(/.{1,70}/g)!;
  const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
  const pubLine = `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`;
  const parsed = utils.parseKey(pem);
  if (parsed instanceof Error || utils.parseKey(pubLine) instanceof Error) throw new Error(`phoenix-sim: generated an unparsable ed25519 key (${parsed instanceof Error ? parsed.message : 'public'})`);
  return { private: pem, public: pubLine };
}

function loadOrGenerate(dir: string, name: string, comment: string): { privateKey: string; publicKey: string; file: string } {
  const file = join(dir, name);
  if (!existsSync(file)) {
    const pair = generateEd25519(comment);
    writeFileSync(file, pair.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${pair.public}\n`, { mode: 0o644 });
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

/** `node`: a node other than the first gets its own host key (each PVE node has one); one root key logs in everywhere. */
export function loadSshKeys(stateDir: string, node?: string): SshKeys {
  const dir = join(stateDir, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const host = loadOrGenerate(dir, node ? `ssh_host_ed25519_key.${node}` : 'ssh_host_ed25519_key', `root@${node ?? 'pve'}`);
  const root = loadOrGenerate(dir, 'root_id_ed25519', 'root@phoenix-sim');
  return {
    hostPrivateKey: host.privateKey,
    hostFingerprint: fingerprintOfPublicKey(host.publicKey),
    rootPrivateKey: root.privateKey,
    rootPublicKey: root.publicKey,
    rootPrivateKeyFile: root.file,
  };
}
