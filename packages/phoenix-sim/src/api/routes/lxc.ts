import { lxcInterfaces } from '../../state/guest-views';
import type { Route } from '../router';
import { guestLifecycleRoutes } from './guest-lifecycle';

/** `/nodes/{node}/lxc/...`: containers; what they share with VMs is `guestLifecycleRoutes`. */
const ct = '/nodes/{node}/lxc/{vmid}';

export const lxcRoutes: Route[] = [
  ...guestLifecycleRoutes('lxc'),
  {
    method: 'GET',
    path: ct,
    handler: ({ state, path }) => {
      state.lxc.status(path.node!, path.vmid!);
      return ['config', 'pending', 'status', 'snapshot', 'clone', 'template', 'resize', 'interfaces'].map((subdir) => ({ subdir }));
    },
  },
  {
    method: 'PUT',
    path: `${ct}/config`,
    handler: async ({ state, op, path, params }) => {
      await state.lxc.setConfig(op, path.node!, path.vmid!, params);
      return null;
    },
  },
  { method: 'GET', path: `${ct}/interfaces`, handler: ({ state, path }) => lxcInterfaces(state, path.node!, path.vmid!) },
  {
    method: 'POST',
    path: `${ct}/template`,
    // PVE answers null here although a `vztemplate` worker runs in the background.
    handler: async ({ state, op, path }) => {
      await state.lxc.template(op, path.node!, path.vmid!);
      return null;
    },
  },
];
