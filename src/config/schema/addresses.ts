/** Host addresses, PVE node names and SSH host key fingerprints, shared by the proxmox block and its nodes. */
import { z } from 'zod';

/** A host name, IPv4 address or bracket-less IPv6 address. */
export const hostAddress = z
  .string()
  .regex(/^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/, 'must be a host name or IP address');

/** SSH host key fingerprint as `ssh-keygen -lf` prints it. */
export const SSH_FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

export const sshFingerprint = z
  .string()
  .regex(SSH_FINGERPRINT_RE, 'must be an SSH key fingerprint such as "SHA256:..." (as `ssh-keygen -lf` prints)');

export const nodeName = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/, 'must be a PVE node name such as "pve"');
