import { parsePropertyString, parseSize } from './property-string';
import { Storages } from './storage';

/**
 * A container mount point value (`rootfs`, `mpN`) classified as PVE does:
 * a storage volume, a new allocation (`storage:size`), a bind mount of a host
 * directory, or a host device.
 */
export interface MountPoint {
  type: 'volume' | 'bind' | 'device';
  /** The leading value (`local-zfs:subvol-900-disk-0`, `local-zfs:8`, `/mnt/models`). */
  volume: string;
  storage?: string;
  volname?: string;
  /** Bytes to allocate when the value is `storage:<GiB>`. */
  allocate?: number;
  props: Map<string, string>;
}

export function parseMountPoint(value: string): MountPoint {
  const ps = parsePropertyString(value, 'volume');
  const volume = ps.props.get('volume') ?? '';
  const props = ps.props;
  props.delete('volume');
  if (volume.startsWith('/dev/')) return { type: 'device', volume, props };
  if (volume.startsWith('/')) return { type: 'bind', volume, props };
  const parts = Storages.splitVolid(volume);
  if (!parts) return { type: 'volume', volume, props };
  if (/^\d+(\.\d+)?$/.test(parts.volname)) return { type: 'volume', volume, storage: parts.storage, allocate: parseSize(parts.volname, 'G'), props };
  return { type: 'volume', volume, storage: parts.storage, volname: parts.volname, props };
}

export function formatMountPoint(volume: string, props: Map<string, string>): string {
  const rest = [...props].map(([k, v]) => `${k}=${v}`);
  return [volume, ...rest].join(',');
}

export const MOUNT_KEY = /^(rootfs|mp\d+)$/;
