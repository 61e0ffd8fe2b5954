// OpenSSH known_hosts, read strictly (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): host patterns
// with `*`/`?` wildcards and `!` negation, `[host]:port` for other ports than 22, hashed names
// (`|1|salt|hmac-sha1`), and the `@revoked` and `@cert-authority` markers, which decide as in
// OpenSSH's check_host_key:
// - a key on an `@revoked` line for the host is refused, whatever other line lists it;
// - a key on an `@cert-authority` line signs host certificates and is never accepted as a
//   plain host key (ssh2 does not negotiate host certificates, so such a line trusts nothing
//   here, and the error says to list the host's own key);
// - otherwise the key must be on a plain line for the host.
// A malformed line is an error naming its line number, not skipped: this is trust material,
// and a typo must not silently leave the host unverified or a revocation ignored.
// (sshpk parses keys but not known_hosts lines, markers or hashed names.)
import { createHmac } from 'node:crypto';

export type KnownHostsMarker = 'revoked' | 'cert-authority' | undefined;

export interface KnownHostsEntry {
  line: number;
  marker: KnownHostsMarker;
  patterns: string;
  keyType: string;
  key: Buffer;
}

export class KnownHostsSyntaxError extends Error {
  override name = 'KnownHostsSyntaxError';
}

/** Parses every line; throws `KnownHostsSyntaxError` naming the first malformed line. */
export function parseKnownHosts(text: string, source = 'known_hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostsMarker;
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else throw new KnownHostsSyntaxError(`${source} line ${line}: unknown marker ${m.slice(0, 40)} (OpenSSH knows @revoked and @cert-authority)`);
    }
    const [patterns, keyType, b64] = fields;
    if (!patterns || !keyType || !b64) throw new KnownHostsSyntaxError(`${source} line ${line}: expected "[marker] hosts key-type base64-key [comment]"`);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new KnownHostsSyntaxError(`${source} line ${line}: the key is not base64`);
    const key = Buffer.from(b64, 'base64');
    // The blob starts with its own length-prefixed type name; a mismatch means a corrupt line.
    const nameLen = key.length >= 4 ? key.readUInt32BE(0) : -1;
    if (nameLen < 1 || 4 + nameLen > key.length || key.subarray(4, 4 + nameLen).toString('latin1') !== keyType) {
      throw new KnownHostsSyntaxError(`${source} line ${line}: the key data is not a ${keyType.slice(0, 40)} key`);
    }
    if (patterns.startsWith('|') && !/^\|1\|[A-Za-z0-9+/]+={0,2}\|[A-Za-z0-9+/]+={0,2}$/.test(patterns)) {
      throw new KnownHostsSyntaxError(`${source} line ${line}: a hashed host name must be |1|salt|hash`);
    }
    entries.push({ line, marker, patterns, keyType, key });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether a line's host field covers `name` (OpenSSH's match_hostname: a negated match wins). */
export function entryMatchesHost(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    const mac = createHmac('sha1', Buffer.from(salt!, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; reason: 'revoked'; line: number }
  | { ok: false; reason: 'changed'; lines: number[] }
  | { ok: false; reason: 'only-cert-authority'; lines: number[] }
  | { ok: false; reason: 'unknown-host' };

/** What OpenSSH would decide for `key` presented by `name`, given the file's entries. */
export function verifyKnownHostKey(entries: readonly KnownHostsEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => entryMatchesHost(e.patterns, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { ok: false, reason: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { ok: true };
  if (plain.length > 0) return { ok: false, reason: 'changed', lines: plain.map((e) => e.line) };
  const authorities = forHost.filter((e) => e.marker === 'cert-authority');
  if (authorities.length > 0) return { ok: false, reason: 'only-cert-authority', lines: authorities.map((e) => e.line) };
  return { ok: false, reason: 'unknown-host' };
}
