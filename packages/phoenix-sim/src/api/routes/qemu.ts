import { single } from '../../state/schema';
import { agentIndex, agentInfo, agentOsInfo, cloudinitDump, cloudinitSettings } from '../../state/guest-views';
import type { Route } from '../router';
import { guestLifecycleRoutes } from './guest-lifecycle';

/** `/nodes/{node}/qemu/...`: VMs, cloud-init settings and the guest agent; what they share with containers is `guestLifecycleRoutes`. */
const vm = '/nodes/{node}/qemu/{vmid}';

export const qemuRoutes: Route[] = [
  ...guestLifecycleRoutes('qemu'),
  {
    method: 'GET',
    path: vm,
    handler: ({ state, path }) => {
      state.qemu.status(path.node!, path.vmid!);
      return ['config', 'pending', 'cloudinit', 'status', 'snapshot', 'clone', 'template', 'resize', 'agent'].map((subdir) => ({ subdir }));
    },
  },
  {
    method: 'PUT',
    path: `${vm}/config`,
    handler: async ({ state, op, path, params }) => {
      await state.qemu.setConfig(op, path.node!, path.vmid!, params, 'sync');
      return null;
    },
  },
  { method: 'POST', path: `${vm}/config`, handler: async ({ state, op, path, params }) => (await state.qemu.setConfig(op, path.node!, path.vmid!, params, 'async'))?.upid ?? null },
  { method: 'GET', path: `${vm}/cloudinit`, handler: ({ state, path }) => cloudinitSettings(state, path.node!, path.vmid!) },
  {
    method: 'PUT',
    path: `${vm}/cloudinit`,
    // Regenerating the drive changes nothing the simulator keeps: the next boot reads the config.
    handler: ({ state, path }) => {
      cloudinitSettings(state, path.node!, path.vmid!);
      return null;
    },
  },
  { method: 'GET', path: `${vm}/cloudinit/dump`, handler: ({ state, path, params }) => cloudinitDump(state, path.node!, path.vmid!, single(params, 'type')!) },
  { method: 'GET', path: `${vm}/agent`, handler: ({ state, path }) => (state.qemu.status(path.node!, path.vmid!), agentIndex()) },
  { method: 'GET', path: `${vm}/agent/info`, handler: ({ state, path }) => agentInfo(state, path.node!, path.vmid!) },
  { method: 'GET', path: `${vm}/agent/get-osinfo`, handler: ({ state, path }) => agentOsInfo(state, path.node!, path.vmid!) },
  { method: 'POST', path: `${vm}/template`, handler: async ({ state, op, path }) => (await state.qemu.template(op, path.node!, path.vmid!)).upid },
  { method: 'POST', path: `${vm}/agent/ping`, handler: ({ state, path }) => state.qemu.agentPing(path.node!, path.vmid!) },
  { method: 'GET', path: `${vm}/agent/network-get-interfaces`, handler: ({ state, path }) => state.qemu.agentNetworkInterfaces(path.node!, path.vmid!) },
  { method: 'POST', path: `${vm}/agent/exec`, handler: ({ state, op, path, params }) => state.qemu.agentExec(op, path.node!, path.vmid!, params) },
  { method: 'GET', path: `${vm}/agent/exec-status`, handler: ({ state, path, params }) => state.qemu.agentExecStatus(path.node!, path.vmid!, params) },
];
