/**
 * `phoenix-client reconfigure <ID>` (the original's --reconfigure): rolls the guest back to its
 * `pre-configured` snapshot, then runs its provisioning again. A guest without that snapshot is
 * an error (start converges it instead).
 */
import { UsageError } from '../errors';
import { lifecycleVerbCommand } from '../runs/lifecycle-verbs';

export const reconfigureCommand = lifecycleVerbCommand({
  verb: 'reconfigure',
  summary: "roll a guest back to its 'pre-configured' snapshot and provision it again",
  about: [
    'Usage: phoenix-client reconfigure <ID> [--config-dir DIR] [--json]',
    '',
    "Stops the guest, rolls it back to its 'pre-configured' snapshot and runs its provisioning",
    '(phoenix-lxc-<ctid> / phoenix-vm-<vmid>) again. Without that snapshot it fails and changes nothing.',
  ],
  check: (options) => {
    if (options.ids.length !== 1) throw new UsageError('reconfigure takes exactly one ID', 'reconfigure');
  },
});
