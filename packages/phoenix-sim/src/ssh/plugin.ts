import type { SshPlugin } from '../plugins';
import { loadOrCreateCredentials } from '../api/credentials';
import { isSandboxGuestSide } from '../guest/plugin';
import { GuestRuntime } from '../guest/guest-runtime';
import type { SshHost } from './host-backend';
import { HostMachine } from '../host/machine';
import type { HostProfile } from '../host/profile';
import { loadSshKeys } from './host-keys';
import { startSshServer } from './server';
import { CLI_USER } from './commands/pct';

/**
 * The SSH endpoint for startSimulator: `startSimulator({ guests: sandboxGuests(), ssh: sshEndpoint() })`.
 * Without the sandboxed guest side, `pct exec` still works against guest roots this endpoint
 * creates on demand (no cloud-init, no agent).
 */
export function sshEndpoint(options: { hostProfile?: HostProfile } = {}): SshPlugin {
  return async ({ state, stateDir, host, port, node, guest }) => {
    const keys = loadSshKeys(stateDir, node === state.nodes[0] ? undefined : node);
    const ownRuntime = isSandboxGuestSide(guest)
      ? undefined
      : new GuestRuntime({ stateDir, eventsFile: state.guestEventsFile, record: (kind, fields) => state.record(kind, fields) });
    const backend: SshHost = {
      node,
      lxc: state.lxc,
      qemu: state.qemu,
      guests: state.guests,
      zfs: state.zfs,
      storages: state.storages,
      faults: state.faults,
      ledger: state.ledger,
      guestRuntime: isSandboxGuestSide(guest) ? guest.runtime : ownRuntime!,
      machine: new HostMachine(state, node, options.hostProfile),
      writeConfigFile: (type, vmid, text) => state.writeConfFile(vmid, type, text, CLI_USER, node),
      changed: () => state.changed(),
      state,
    };
    const server = await startSshServer({ host: backend, keys, rootPassword: loadOrCreateCredentials(stateDir).rootPassword, port, bindAddress: host });
    return {
      port: server.port,
      user: 'root',
      privateKey: keys.rootPrivateKey,
      privateKeyFile: keys.rootPrivateKeyFile,
      hostKeyFingerprint: keys.hostFingerprint,
      close: async () => {
        await server.close();
        await ownRuntime?.close();
      },
    };
  };
}
