import { single } from '../../state/schema';
import { lxcInterfaces, pending } from '../../state/guest-views';
import type { Route } from '../router';

/** `/nodes/{node}/lxc/...`: containers. Task-starting calls answer with the UPID. */
const base = '/nodes/{node}/lxc';
const ct = `${base}/{vmid}`;

export const lxcRoutes: Route[] = [
  {
    method: 'GET',
    path: base,
    handler: ({ state, path }) => {
      state.cluster.requireNode(path.node!);
      return state.guests
        .all()
        .filter((g) => g.type === 'lxc' && g.node === path.node)
        .map((g) => state.lxc.status(path.node!, g.vmid));
    },
  },
  { method: 'POST', path: base, handler: async ({ state, op, path, params }) => (await state.lxc.create(op, path.node!, params)).upid },
  {
    method: 'GET',
    path: ct,
    handler: ({ state, path }) => {
      state.lxc.status(path.node!, path.vmid!);
      return ['config', 'pending', 'status', 'snapshot', 'clone', 'template', 'resize', 'interfaces'].map((subdir) => ({ subdir }));
    },
  },
  { method: 'DELETE', path: ct, handler: async ({ state, op, path, params }) => (await state.lxc.destroy(op, path.node!, path.vmid!, params)).upid },
  { method: 'POST', path: `${ct}/clone`, handler: async ({ state, op, path, params }) => (await state.lxc.clone(op, path.node!, path.vmid!, params)).upid },
  {
    method: 'GET',
    path: `${ct}/config`,
    handler: ({ state, path, params }) => state.lxc.getConfig(path.node!, path.vmid!, { snapshot: single(params, 'snapshot'), current: single(params, 'current') === '1' }),
  },
  {
    method: 'PUT',
    path: `${ct}/config`,
    handler: async ({ state, op, path, params }) => {
      await state.lxc.setConfig(op, path.node!, path.vmid!, params);
      return null;
    },
  },
  { method: 'GET', path: `${ct}/status`, handler: () => ['current', 'start', 'stop', 'shutdown', 'reboot'].map((subdir) => ({ subdir })) },
  { method: 'POST', path: `${ct}/status/reboot`, handler: async ({ state, op, path }) => (await state.lxc.reboot(op, path.node!, path.vmid!)).upid },
  { method: 'GET', path: `${ct}/pending`, handler: ({ state, path }) => pending(state, 'lxc', path.node!, path.vmid!) },
  { method: 'GET', path: `${ct}/interfaces`, handler: ({ state, path }) => lxcInterfaces(state, path.node!, path.vmid!) },
  { method: 'GET', path: `${ct}/status/current`, handler: ({ state, path }) => state.lxc.status(path.node!, path.vmid!) },
  { method: 'POST', path: `${ct}/status/start`, handler: async ({ state, op, path, params }) => (await state.lxc.start(op, path.node!, path.vmid!, params)).upid },
  { method: 'POST', path: `${ct}/status/stop`, handler: async ({ state, op, path, params }) => (await state.lxc.stop(op, path.node!, path.vmid!, params, 'stop')).upid },
  { method: 'POST', path: `${ct}/status/shutdown`, handler: async ({ state, op, path, params }) => (await state.lxc.stop(op, path.node!, path.vmid!, params, 'shutdown')).upid },
  { method: 'GET', path: `${ct}/snapshot`, handler: ({ state, path }) => state.lxc.listSnapshots(path.node!, path.vmid!) },
  { method: 'POST', path: `${ct}/snapshot`, handler: async ({ state, op, path, params }) => (await state.lxc.snapshot(op, path.node!, path.vmid!, params)).upid },
  {
    method: 'GET',
    path: `${ct}/snapshot/{snapname}/config`,
    handler: ({ state, path }) => state.lxc.getConfig(path.node!, path.vmid!, { snapshot: path.snapname! }),
  },
  { method: 'DELETE', path: `${ct}/snapshot/{snapname}`, handler: async ({ state, op, path, params }) => (await state.lxc.deleteSnapshot(op, path.node!, path.vmid!, path.snapname!, params)).upid },
  {
    method: 'POST',
    path: `${ct}/snapshot/{snapname}/rollback`,
    handler: async ({ state, op, path, params }) => (await state.lxc.rollback(op, path.node!, path.vmid!, path.snapname!, params)).upid,
  },
  {
    method: 'POST',
    path: `${ct}/template`,
    // PVE answers null here although a `vztemplate` worker runs in the background.
    handler: async ({ state, op, path }) => {
      await state.lxc.template(op, path.node!, path.vmid!);
      return null;
    },
  },
  { method: 'PUT', path: `${ct}/resize`, handler: async ({ state, op, path, params }) => (await state.lxc.resize(op, path.node!, path.vmid!, params)).upid },
];
