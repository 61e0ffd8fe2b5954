import { single } from '../../state/schema';
import { pending } from '../../state/guest-views';
import type { Route, RouteContext } from '../router';
import type { LxcOps } from '../../state/lxc';
import type { QemuOps } from '../../state/qemu';

/**
 * The routes `/nodes/{node}/lxc/...` and `/nodes/{node}/qemu/...` have alike: list, create,
 * destroy, clone, config, status and power, snapshots, rollback, resize. Each answers through
 * the kind's operations (`state.lxc`, `state.qemu`, one lifecycle core); task-starting calls
 * answer with the UPID. What only one kind has stays in its own table.
 */
export function guestLifecycleRoutes(type: 'lxc' | 'qemu'): Route[] {
  const base = `/nodes/{node}/${type}`;
  const guest = `${base}/{vmid}`;
  const ops = (c: RouteContext): LxcOps | QemuOps => c.state[type];
  return [
    {
      method: 'GET',
      path: base,
      handler: ({ state, path }) => {
        state.cluster.requireNode(path.node!);
        return state.guests
          .all()
          .filter((g) => g.type === type && g.node === path.node)
          .map((g) => state[type].status(path.node!, g.vmid));
      },
    },
    { method: 'POST', path: base, handler: async (c) => (await ops(c).create(c.op, c.path.node!, c.params)).upid },
    { method: 'DELETE', path: guest, handler: async (c) => (await ops(c).destroy(c.op, c.path.node!, c.path.vmid!, c.params)).upid },
    { method: 'POST', path: `${guest}/clone`, handler: async (c) => (await ops(c).clone(c.op, c.path.node!, c.path.vmid!, c.params)).upid },
    {
      method: 'GET',
      path: `${guest}/config`,
      handler: ({ state, path, params }) => state[type].getConfig(path.node!, path.vmid!, { snapshot: single(params, 'snapshot'), current: single(params, 'current') === '1' }),
    },
    { method: 'GET', path: `${guest}/status`, handler: () => ['current', 'start', 'stop', 'shutdown', 'reboot'].map((subdir) => ({ subdir })) },
    { method: 'POST', path: `${guest}/status/reboot`, handler: async (c) => (await ops(c).reboot(c.op, c.path.node!, c.path.vmid!)).upid },
    { method: 'GET', path: `${guest}/pending`, handler: ({ state, path }) => pending(state, type, path.node!, path.vmid!) },
    { method: 'GET', path: `${guest}/status/current`, handler: ({ state, path }) => state[type].status(path.node!, path.vmid!) },
    { method: 'POST', path: `${guest}/status/start`, handler: async (c) => (await ops(c).start(c.op, c.path.node!, c.path.vmid!, c.params)).upid },
    { method: 'POST', path: `${guest}/status/stop`, handler: async (c) => (await ops(c).stop(c.op, c.path.node!, c.path.vmid!, c.params, 'stop')).upid },
    { method: 'POST', path: `${guest}/status/shutdown`, handler: async (c) => (await ops(c).stop(c.op, c.path.node!, c.path.vmid!, c.params, 'shutdown')).upid },
    { method: 'GET', path: `${guest}/snapshot`, handler: ({ state, path }) => state[type].listSnapshots(path.node!, path.vmid!) },
    { method: 'POST', path: `${guest}/snapshot`, handler: async (c) => (await ops(c).snapshot(c.op, c.path.node!, c.path.vmid!, c.params)).upid },
    { method: 'GET', path: `${guest}/snapshot/{snapname}/config`, handler: ({ state, path }) => state[type].getConfig(path.node!, path.vmid!, { snapshot: path.snapname! }) },
    { method: 'DELETE', path: `${guest}/snapshot/{snapname}`, handler: async (c) => (await ops(c).deleteSnapshot(c.op, c.path.node!, c.path.vmid!, c.path.snapname!, c.params)).upid },
    { method: 'POST', path: `${guest}/snapshot/{snapname}/rollback`, handler: async (c) => (await ops(c).rollback(c.op, c.path.node!, c.path.vmid!, c.path.snapname!, c.params)).upid },
    { method: 'PUT', path: `${guest}/resize`, handler: async (c) => (await ops(c).resize(c.op, c.path.node!, c.path.vmid!, c.params)).upid },
  ];
}
