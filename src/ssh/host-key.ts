// SSH host key pinning: either the SHA-256 fingerprint as `ssh-keygen -lf` prints it
// (`SHA256:<base64 without padding>`) or a known_hosts line for the host.
import { createHash } from 'node:crypto';

export type HostKeyPin = { sha256: string } | { knownHostsLine: string };

/** `SHA256:...` fingerprint of a raw SSH public key blob. */
export function sshFingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

function normalizeFingerprint(fp: string): string {
  const b64 = fp.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(b64)) {
    throw new Error(`'${fp}' is not an SSH SHA-256 fingerprint (ssh-keygen -lf prints SHA256:<43 base64 characters>)`);
  }
  return `SHA256:${b64}`;
}

/** The key blob of a known_hosts line (`host[,host] type base64 [comment]`, optional `@marker`). */
function knownHostsKey(line: string): Buffer {
  const fields = line.trim().split(/\s+/);
  if (fields[0]?.startsWith('@')) {
    if (fields[0] === '@revoked') throw new Error('known_hosts line is marked @revoked');
    fields.shift();
  }
  const [, type, b64] = fields;
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) throw new Error('not a known_hosts line (expected: host key-type base64-key)');
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with its own length-prefixed type name; a mismatch means a corrupt line.
  const nameLen = blob.readUInt32BE(0);
  if (blob.subarray(4, 4 + nameLen).toString() !== type) throw new Error(`known_hosts key type ${type} does not match the key data`);
  return blob;
}

/** The fingerprint a pin expects. Throws on malformed pins before any connection is made. */
export function expectedFingerprint(pin: HostKeyPin): string {
  return 'sha256' in pin ? normalizeFingerprint(pin.sha256) : sshFingerprint(knownHostsKey(pin.knownHostsLine));
}
