// A real ed25519 public key line in OpenSSH format, built from a generated key pair.
import { generateKeyPairSync } from 'node:crypto';

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

export function ed25519PublicKeyLine(comment: string): string {
  // Encoded by the generator (no KeyObject export: see packages/phoenix-sim/src/ssh/host-keys.ts).
  const { publicKey } = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const raw = publicKey.subarray(-32);
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** A fixed key (the tests pin exact encodings): 32 zero-ish bytes are still a well-formed blob. */
export const FIXED_KEY =
  'ssh-ed25519 ' +
  Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.alloc(32, 7))]).toString('base64') +
  ' ops@phoenix';
