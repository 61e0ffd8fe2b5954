import { createHash, randomBytes } from 'node:crypto';
import { fail, paramError } from './errors';
import { parsePropertyString } from './property-string';
import type { Storages } from './storage';
import type { ConfigSection } from './types';

/**
 * Cloud-init options of a VM with PVE's checks: the double-encoded `sshkeys`,
 * `cipassword` stored hashed, `ipconfigN`, and `cicustom` snippets; plus the
 * user-data a first boot hands to the guest.
 */
const URLENCODED = /^[-%a-zA-Z0-9_.!~*'()]*$/;
const SSH_KEY = /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) ([A-Za-z0-9+/]+={0,3})(\s.*)?$/;

/** `sshkeys` must arrive percent-encoded (`encodeURIComponent`); every line must be an SSH public key. */
export function checkSshKeys(value: string): void {
  if (!URLENCODED.test(value)) throw paramError({ sshkeys: `invalid format - invalid urlencoded string: ${value}\n` });
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw paramError({ sshkeys: `invalid format - invalid urlencoded string: ${value}\n` });
  }
  for (const line of decoded.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SSH_KEY.exec(line);
    const blob = m ? Buffer.from(m[5]!, 'base64') : undefined;
    // The key blob starts with its own type name; `ssh-keygen -l` rejects anything else.
    const typeLen = blob && blob.length > 4 ? blob.readUInt32BE(0) : -1;
    if (!m || !blob || typeLen <= 0 || blob.subarray(4, 4 + typeLen).toString() !== m[1]) throw fail('SSH public key validation error');
  }
}

/** Hashes a cloud-init password the way PVE stores it (a `$5$` crypt string; the config then shows `**********`). */
export function hashPassword(password: string): string {
  if (password.startsWith('$5$') || password.startsWith('$6$')) return password;
  const salt = randomBytes(12).toString('base64').replace(/[+/=]/g, '').slice(0, 16);
  const digest = createHash('sha256').update(salt + password).digest('base64').replace(/=+$/, '');
  return `$5$${salt}$${digest}`;
}

export function checkIpConfig(key: string, value: string): void {
  const { props } = parsePropertyString(value);
  for (const [k, v] of props) {
    const ok =
      (k === 'ip' && (v === 'dhcp' || /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v))) ||
      (k === 'gw' && /^\d{1,3}(\.\d{1,3}){3}$/.test(v)) ||
      (k === 'ip6' && (v === 'dhcp' || v === 'auto' || /^[0-9a-fA-F:]+\/\d{1,3}$/.test(v))) ||
      (k === 'gw6' && /^[0-9a-fA-F:]+$/.test(v));
    if (!ok) throw paramError({ [key]: `invalid format - format error\n${key}.${k}: invalid format - value does not look like a valid ${k.startsWith('gw') ? 'address' : 'CIDR network'}\n` });
  }
}

const CICUSTOM_KEYS = ['user', 'network', 'meta', 'vendor'];

/** `cicustom`: each volume must be a snippet that exists. */
export function checkCicustom(value: string, storages: Storages): void {
  const { props } = parsePropertyString(value);
  for (const [k, volid] of props) {
    if (!CICUSTOM_KEYS.includes(k)) throw paramError({ cicustom: `invalid format - format error\ncicustom.${k}: property is not defined in schema and the schema does not allow additional properties\n` });
    const file = storages.filePath(volid);
    if (!file || file.content !== 'snippets') throw fail(`${volid} is not in the snippets directory`);
    if (!storages.fileExists(volid)) throw fail(`volume '${volid}' does not exist`);
  }
}

/** The user-data of a first boot: the custom snippet, or what PVE generates from the ci* options. */
export function firstBootUserData(config: ConfigSection, storages: Storages, readFile: (hostPath: string) => string): { userData?: string; networkConfig?: string } {
  const custom = config.cicustom ? parsePropertyString(config.cicustom).props : new Map<string, string>();
  const read = (volid: string): string => {
    const f = storages.filePath(volid);
    if (!f || !storages.fileExists(volid)) throw fail(`volume '${volid}' does not exist`);
    return readFile(f.path);
  };
  const out: { userData?: string; networkConfig?: string } = {};
  const user = custom.get('user');
  if (user) out.userData = read(user);
  else {
    const lines = ['#cloud-config', `hostname: ${config.name ?? 'ubuntu'}`, 'manage_etc_hosts: true'];
    if (config.ciuser) lines.push(`user: ${config.ciuser}`);
    if (config.cipassword) lines.push(`password: ${config.cipassword}`);
    if (config.sshkeys) {
      lines.push('ssh_authorized_keys:');
      for (const k of decodeURIComponent(config.sshkeys).split('\n').filter((l) => l.trim())) lines.push(`  - ${k.trim()}`);
    }
    lines.push('chpasswd:', '  expire: False', `package_upgrade: ${config.ciupgrade === '0' ? 'false' : 'true'}`);
    out.userData = lines.join('\n') + '\n';
  }
  const network = custom.get('network');
  if (network) out.networkConfig = read(network);
  return out;
}
