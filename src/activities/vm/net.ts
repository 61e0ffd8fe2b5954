/**
 * A VM's `net0`: `virtio=<MAC>,bridge=vmbr0`. The model key carries the MAC PVE generated,
 * so a bridge change keeps the model and MAC and replaces only the bridge.
 */
import { formatPropertyString, parsePropertyString } from '../../proxmox/property-strings';

const NIC_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'];

/** A new NIC: `virtio,bridge=<br>` (PVE generates the MAC). */
export const qemuNet = (bridge: string) => formatPropertyString({ model: 'virtio', bridge }, { defaultKey: 'model', keyOrder: ['model', 'bridge'] });

/** The live net0 with its bridge replaced, or undefined when it already uses `bridge`. */
export function netWithBridge(live: string | undefined, bridge: string): string | undefined {
  if (live === undefined || live === '') return qemuNet(bridge);
  const parts = live.split(',');
  const current = parts.find((p) => p.startsWith('bridge='))?.slice('bridge='.length);
  if (current === bridge) return undefined;
  const kept = parts.filter((p) => !p.startsWith('bridge='));
  const modelAt = kept.findIndex((p) => NIC_MODELS.includes(p.split('=')[0]!));
  kept.splice(modelAt < 0 ? 0 : modelAt + 1, 0, `bridge=${parsePropertyString(`bridge=${bridge}`).bridge}`);
  return kept.join(',');
}
