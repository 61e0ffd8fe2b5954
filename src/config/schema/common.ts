/** Small building blocks shared by the file schemas. */
import { z } from 'zod';
import { MAX_VMID, MIN_VMID, isVmid } from '../formats';

export const port = z.number().int().min(1).max(65535);

/** Record keys that are guest IDs (`"950"`): JSON object keys are strings, so the ID is checked as text. */
export const guestIdKey = z
  .string()
  .regex(/^[0-9]+$/, `must be a guest ID (digits only, ${MIN_VMID} to ${MAX_VMID})`)
  .refine((k) => isVmid(Number(k)), `must be a guest ID between ${MIN_VMID} and ${MAX_VMID}`);

export const memoryMb = z.number().int().min(16).meta({ description: 'Memory in MiB' });
export const cores = z.number().int().min(1).max(8192);
export const sizeGb = z.number().int().min(1);

/** `$schema` lets editors validate the file; Phoenix accepts any string (the original pointed at /usr/local/...). */
export const schemaRef = z.string().optional().meta({ description: 'JSON Schema of this file, for editors' });

export const sshPublicKey = z
  .string()
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must be one line (an OpenSSH public key such as "ssh-ed25519 AAAA... user@host")');

/**
 * A crypt(3) hash (e.g. `$6$...`) as the original kept it, or its "NOT_SET" placeholder. Not a secret for
 * config purposes, but it must never be logged, echoed in an error, or put into workflow history.
 */
export const passwordHash = z
  .string()
  .regex(/^[^\s]*$/, 'must be a crypt(3) hash such as "$6$..." without whitespace')
  .meta({ description: 'crypt(3) password hash; never logged' });

export const linuxUsername = z
  .string()
  .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a Linux user name (lowercase letters, digits, "_" and "-", at most 32)');
