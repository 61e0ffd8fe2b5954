/**
 * A container's `template` is an ostemplate, written either as a PVE volume ID
 * (`local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst`) or, as the original Phoenix did, as a
 * host path to the cached file (`/fastData/shared-iso/template/cache/ubuntu-...tar.zst`). The raw value
 * is kept; these helpers say which form it is and which file it names (what `pveam download` wants).
 */
import { z } from 'zod';

const VOLID_RE = /^([a-z][a-z0-9\-_.]*[a-z0-9]):vztmpl\/([^/,=\s]+)$/i;
const HOST_PATH_RE = /^\/[^,=\s]*\/([^/,=\s]+)$/;
const ARCHIVE_RE = /\.tar(\.(gz|xz|zst|bz2))?$/;

export type OstemplateRef =
  | { readonly kind: 'volid'; readonly storage: string; readonly fileName: string }
  | { readonly kind: 'path'; readonly path: string; readonly fileName: string };

export function parseOstemplate(value: string): OstemplateRef | undefined {
  const volid = VOLID_RE.exec(value);
  if (volid && ARCHIVE_RE.test(volid[2]!)) return { kind: 'volid', storage: volid[1]!, fileName: volid[2]! };
  const path = HOST_PATH_RE.exec(value);
  if (path && ARCHIVE_RE.test(path[1]!)) return { kind: 'path', path: value, fileName: path[1]! };
  return undefined;
}

/** The archive's file name, e.g. `ubuntu-24.04-standard_24.04-2_amd64.tar.zst`, whichever form was written. */
export function ostemplateFileName(value: string): string {
  const ref = parseOstemplate(value);
  if (!ref) throw new Error(`not an ostemplate: ${JSON.stringify(value)}`);
  return ref.fileName;
}

export const ostemplate = z
  .string()
  .refine(
    (v) => parseOstemplate(v) !== undefined,
    'must be a container template archive: a volume ID such as "local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst" or an absolute host path to a .tar.zst/.tar.gz/.tar.xz file',
  )
  .meta({ description: 'ostemplate: PVE volume ID (storage:vztmpl/file) or host path of the archive' });
