import { single } from '../../state/schema';
import { agentIndex, agentInfo, agentOsInfo, cloudinitDump, cloudinitSettings, pending } from '../../state/guest-views';
import type { Route } from '../router';

/** `/nodes/{node}/qemu/...`: VMs, cloud-init settings and the guest agent. */
const base = '/nodes/{node}/qemu';
const vm = `${base}/{vmid}`;

export const qemuRoutes: Route[] = [
  {
    method: 'GET',
    path: base,
    handler: ({ state, path }) => {
      state.cluster.requireNode(path.node!);
      return state.guests
        .all()
        .filter((g) => g.type === 'qemu' && g.node === path.node)
        .map((g) => state.qemu.status(path.node!, g.vmid));
    },
  },
  { method: 'POST', path: base, handler: async ({ state, op, path, params }) => (await state.qemu.create(op, path.node!, params)).upid },
  {
    method: 'GET',
    path: vm,
    handler: ({ state, path }) => {
      state.qemu.status(path.node!, path.vmid!);
      return ['config', 'pending', 'cloudinit', 'status', 'snapshot', 'clone', 'template', 'resize', 'agent'].map((subdir) => ({ subdir }));
    },
  },
  { method: 'DELETE', path: vm, handler: async ({ state, op, path }) => (await state.qemu.destroy(op, path.node!, path.vmid!)).upid },
  { method: 'POST', path: `${vm}/clone`, handler: async ({ state, op, path, params }) => (await state.qemu.clone(op, path.node!, path.vmid!, params)).upid },
  {
    method: 'GET',
    path: `${vm}/config`,
    handler: ({ state, path, params }) => state.qemu.getConfig(path.node!, path.vmid!, { snapshot: single(params, 'snapshot'), current: single(params, 'current') === '1' }),
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
  { method: 'GET', path: `${vm}/status`, handler: () => ['current', 'start', 'stop', 'shutdown', 'reboot'].map((subdir) => ({ subdir })) },
  { method: 'POST', path: `${vm}/status/reboot`, handler: async ({ state, op, path }) => (await state.qemu.reboot(op, path.node!, path.vmid!)).upid },
  { method: 'GET', path: `${vm}/pending`, handler: ({ state, path }) => pending(state, 'qemu', path.node!, path.vmid!) },
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
  { method: 'GET', path: `${vm}/status/current`, handler: ({ state, path }) => state.qemu.status(path.node!, path.vmid!) },
  { method: 'POST', path: `${vm}/status/start`, handler: async ({ state, op, path, params }) => (await state.qemu.start(op, path.node!, path.vmid!, params)).upid },
  { method: 'POST', path: `${vm}/status/stop`, handler: async ({ state, op, path, params }) => (await state.qemu.stop(op, path.node!, path.vmid!, params, 'stop')).upid },
  { method: 'POST', path: `${vm}/status/shutdown`, handler: async ({ state, op, path, params }) => (await state.qemu.stop(op, path.node!, path.vmid!, params, 'shutdown')).upid },
  { method: 'GET', path: `${vm}/snapshot`, handler: ({ state, path }) => state.qemu.listSnapshots(path.node!, path.vmid!) },
  { method: 'POST', path: `${vm}/snapshot`, handler: async ({ state, op, path, params }) => (await state.qemu.snapshot(op, path.node!, path.vmid!, params)).upid },
  { method: 'GET', path: `${vm}/snapshot/{snapname}/config`, handler: ({ state, path }) => state.qemu.getConfig(path.node!, path.vmid!, { snapshot: path.snapname! }) },
  { method: 'DELETE', path: `${vm}/snapshot/{snapname}`, handler: async ({ state, op, path, params }) => (await state.qemu.deleteSnapshot(op, path.node!, path.vmid!, path.snapname!, params)).upid },
  {
    method: 'POST',
    path: `${vm}/snapshot/{snapname}/rollback`,
    handler: async ({ state, op, path, params }) => (await state.qemu.rollback(op, path.node!, path.vmid!, path.snapname!, params)).upid,
  },
  { method: 'POST', path: `${vm}/template`, handler: async ({ state, op, path }) => (await state.qemu.template(op, path.node!, path.vmid!)).upid },
  { method: 'PUT', path: `${vm}/resize`, handler: async ({ state, op, path, params }) => (await state.qemu.resize(op, path.node!, path.vmid!, params)).upid },
  { method: 'POST', path: `${vm}/agent/ping`, handler: ({ state, path }) => state.qemu.agentPing(path.node!, path.vmid!) },
  { method: 'GET', path: `${vm}/agent/network-get-interfaces`, handler: ({ state, path }) => state.qemu.agentNetworkInterfaces(path.node!, path.vmid!) },
  { method: 'POST', path: `${vm}/agent/exec`, handler: ({ state, op, path, params }) => state.qemu.agentExec(op, path.node!, path.vmid!, params) },
  { method: 'GET', path: `${vm}/agent/exec-status`, handler: ({ state, path, params }) => state.qemu.agentExecStatus(path.node!, path.vmid!, params) },
];
