/**
 * Value formats shared by the three config schemas. Where PVE has a named format, the check follows
 * PVE's own definition (pve-common `PVE::JSONSchema`), so a config that passes here is not refused
 * by the API later. Many of these values end up inside PVE property strings
 * (`net0: name=eth0,bridge=vmbr0,...`, `mp0: /host,mp=/guest`), where a stray `,` or `=` would inject
 * options: the patterns below exclude them on purpose.
 */
import { z } from 'zod';
import { isIpv4, parseIpv4Cidr } from './ipv4';
import { quote } from './issues';

/** PVE `pve-vmid`: 100 … 999999999. */
export const MIN_VMID = 100;
export const MAX_VMID = 999_999_999;

export function isVmid(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_VMID && n <= MAX_VMID;
}

export const vmid = z
  .number()
  .int()
  .min(MIN_VMID)
  .max(MAX_VMID)
  .meta({ description: 'Proxmox guest ID (100 to 999999999), unique across containers and VMs' });

/**
 * A guest ID written either as a JSON number or, as the original Phoenix wrote `clone_from_ctid` and
 * `dependencies`, as a string of digits. Resolved to a number.
 */
export const guestIdRef = z
  .union([z.number().int(), z.string().regex(/^[0-9]+$/, 'must be a guest ID (digits only)')])
  .transform((v) => Number(v))
  .refine(isVmid, `must be a guest ID between ${MIN_VMID} and ${MAX_VMID}`);

// PVE `dns-name`: labels of letters, digits and inner hyphens, joined by dots (pve-common DNS_NAME_REGEX).
const DNS_LABEL = '[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DNS_NAME_RE = new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`);

/** Container hostname / VM name: PVE's `dns-name` format, at most 255 characters (LXC `hostname`). */
// JSON Schema lacks the custom check below, so the pattern is given to editors explicitly.
export const hostname = z.string().meta({ pattern: DNS_NAME_RE.source, maxLength: 255 }).check((ctx) => {
  const v = ctx.value;
  if (v.length > 255 || !DNS_NAME_RE.test(v)) {
    ctx.issues.push({
      code: 'custom',
      input: v,
      message:
        `${quote(v)} is not a valid hostname: PVE's dns-name format allows letters, digits and ` +
        `hyphens, with dots between labels (e.g. "vllm-qwen2.5-7b-awq"), at most 255 characters`,
    });
  }
});

/** PVE `pve-storage-id`. */
export const storageId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9\-_.]*[A-Za-z0-9]$/, 'must be a Proxmox storage ID (e.g. "local-zfs")');

/** PVE snapshot names (`pve-configid`, at most 40 characters); `current` and `vzdump` are reserved. */
export const snapshotName = z
  .string()
  .max(40)
  .regex(/^[A-Za-z][A-Za-z0-9_-]+$/, 'must start with a letter and contain only letters, digits, "-" and "_"')
  .refine((s) => s !== 'current' && s !== 'vzdump', 'is reserved by Proxmox');

export const ipv4 = z.string().refine(isIpv4, 'must be an IPv4 address such as 10.0.0.1');

export const cidrV4 = z
  .string()
  .refine((s) => parseIpv4Cidr(s) !== undefined, 'must be an IPv4 address with prefix such as 10.0.0.150/24');

export const cidrOrDhcp = z
  .string()
  .refine((s) => s === 'dhcp' || parseIpv4Cidr(s) !== undefined, 'must be an IPv4 CIDR such as 10.0.0.150/24, or "dhcp"');

/** PVE `mac-addr`: six hex octets, and unicast (the first octet even), as PVE refuses multicast MACs. */
export const macAddress = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, 'must be a MAC address such as 52:54:00:67:89:B0')
  .refine((m) => parseInt(m.slice(0, 2), 16) % 2 === 0, 'must be a unicast MAC address (first octet even), as PVE requires');

/** Interface and bridge names inside `net0` (PVE: `[-_.\w\d]+`). */
export const interfaceName = z.string().regex(/^[-_.A-Za-z0-9]+$/, 'must contain only letters, digits, "-", "_" and "."');

/** An absolute path that can sit inside a PVE property string (no `,`, `=` or control characters). */
export const absolutePath = z
  .string()
  .regex(/^\/[^,=\x00-\x1f\x7f]*$/, 'must be an absolute path without commas, "=" or control characters')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".." (PVE refuses such mount paths)');

/** A file name Phoenix looks up in one of its own folders; never a path. */
export const plainFileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'must be a plain file name (letters, digits, ".", "_", "+", "-"), not a path');

/** One line of text: command strings and raw conf lines must not smuggle in a second line. */
export const singleLine = z.string().min(1).regex(/^[^\x00-\x1f\x7f]*$/, 'must be one line without control characters');

export const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');
