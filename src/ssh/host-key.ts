// SSH host key pinning: the SHA-256 fingerprint as `ssh-keygen -lf` prints it
// (`SHA256:<base64 without padding>`), a known_hosts line for the host, or the entries of a
// whole known_hosts file (markers honoured, see known-hosts.ts).
import { createHash } from 'node:crypto';
import { SshHostKeyUnknown } from './errors';
import { entryMatchesHost, knownHostsName, verifyKnownHostKey, type KnownHostsEntry } from './known-hosts';

export type HostKeyPin =
  | { sha256: string }
  | { knownHostsLine: string }
  /** Parsed known_hosts entries; `source` names the file in messages. */
  | { knownHosts: readonly KnownHostsEntry[]; source: string };

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

/** The fingerprint a single-key pin expects. Throws on malformed pins before any connection is made. */
export function expectedFingerprint(pin: { sha256: string } | { knownHostsLine: string }): string {
  return 'sha256' in pin ? normalizeFingerprint(pin.sha256) : sshFingerprint(knownHostsKey(pin.knownHostsLine));
}

export interface HostKeyCheck {
  /** What is trusted, for messages: a fingerprint or `<file> (<n> line(s) for <name>)`. */
  expected: string;
  /** Undefined when the presented key is trusted, else why not (one sentence). */
  refusal(keyBlob: Buffer): string | undefined;
}

/**
 * The check a connection applies to the host key it is shown. Throws before any connection
 * is made when the pin is malformed or a known_hosts file has no line at all for the host.
 */
export function hostKeyCheck(pin: HostKeyPin, host: string, port: number): HostKeyCheck {
  if (!('knownHosts' in pin)) {
    const expected = expectedFingerprint(pin);
    return { expected, refusal: (blob) => (sshFingerprint(blob) === expected ? undefined : `it is not the pinned ${expected}`) };
  }
  const name = knownHostsName(host, port);
  const lines = pin.knownHosts.filter((e) => entryMatchesHost(e.patterns, name));
  if (lines.length === 0) throw new SshHostKeyUnknown(`no host key for ${name} in ${pin.source}: add it (ssh-keyscan -p ${port} ${host}), or set proxmox.ssh.host_key_fingerprint`);
  return {
    expected: `the key(s) ${pin.source} lists for ${name}`,
    refusal(blob) {
      const verdict = verifyKnownHostKey(pin.knownHosts, name, blob);
      if (verdict.ok) return undefined;
      switch (verdict.reason) {
        case 'revoked':
          return `it is marked @revoked at ${pin.source} line ${verdict.line}`;
        case 'changed':
          return `${pin.source} lists another key for ${name} (line ${verdict.lines.join(', ')})`;
        case 'only-cert-authority':
          return `${pin.source} lists only @cert-authority keys for ${name} (line ${verdict.lines.join(', ')}), and Phoenix's SSH client does not use host certificates: list the host's own key`;
        case 'unknown-host':
          return `${pin.source} has no key for ${name}`;
      }
    },
  };
}
