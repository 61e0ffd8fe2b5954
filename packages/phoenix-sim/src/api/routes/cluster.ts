import { WithTotal } from '../wire';
import { RELEASE_INFO } from '../release';
import { single } from '../../state/schema';
import { clusterStatus, downloadUrl, network, storageConfigs, storageStatus, upload } from '../../state/node-views';
import type { Route } from '../router';

/** Version, cluster views, nodes, storage and tasks. */
export function clusterRoutes(pveVersion: '8.2' | '9.0'): Route[] {
  const { version, release: rel, repoid, kernel } = RELEASE_INFO[pveVersion];
  const release = { version, release: rel, repoid };
  return [
    { method: 'GET', path: '/version', handler: () => ({ ...release, console: 'xtermjs' }) },
    { method: 'GET', path: '/cluster/nextid', handler: ({ state, params }) => state.cluster.nextId(single(params, 'vmid')) },
    { method: 'GET', path: '/cluster/resources', handler: ({ state, params }) => state.cluster.resources(single(params, 'type')) },
    { method: 'GET', path: '/nodes', handler: ({ state }) => state.cluster.nodes() },
    { method: 'GET', path: '/cluster/status', handler: ({ state }) => clusterStatus(state) },
    { method: 'GET', path: '/storage', handler: ({ state, params }) => storageConfigs(state, single(params, 'type')) },
    { method: 'GET', path: '/nodes/{node}/network', handler: ({ state, path, params }) => network(state, path.node!, single(params, 'type')) },
    { method: 'GET', path: '/nodes/{node}/storage/{storage}/status', handler: ({ state, path }) => storageStatus(state, path.node!, path.storage!) },
    {
      method: 'POST',
      path: '/nodes/{node}/storage/{storage}/upload',
      handler: ({ state, op, path, params }) =>
        upload(state, op, path.node!, path.storage!, {
          content: single(params, 'content')!,
          filename: single(params, 'filename')!,
          tmpfilename: single(params, 'tmpfilename'),
          checksum: single(params, 'checksum'),
          algorithm: single(params, 'checksum-algorithm'),
        }).upid,
    },
    {
      method: 'POST',
      path: '/nodes/{node}/storage/{storage}/download-url',
      handler: ({ state, op, path, params }) => downloadUrl(state, op, path.node!, path.storage!, { url: single(params, 'url')!, filename: single(params, 'filename')!, content: single(params, 'content')! }).upid,
    },
    {
      method: 'GET',
      path: '/nodes/{node}/status',
      handler: ({ state, path }) => {
        state.cluster.requireNode(path.node!);
        const n = state.cluster.nodes().find((x) => x.node === path.node)!;
        return { uptime: n.uptime, cpu: n.cpu, cpuinfo: { cpus: n.maxcpu, sockets: 2, model: 'phoenix-sim vCPU' }, memory: { total: n.maxmem, used: n.mem, free: Number(n.maxmem) - Number(n.mem) }, pveversion: `pve-manager/${release.version}/${release.repoid}`, kversion: `Linux ${kernel}` };
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/storage',
      handler: ({ state, path, params }) => state.cluster.storages(path.node!, { content: single(params, 'content'), storage: single(params, 'storage'), enabled: single(params, 'enabled') }),
    },
    {
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/content',
      handler: ({ state, path, params }) => {
        const vmid = single(params, 'vmid');
        return state.cluster.storageContent(path.node!, path.storage!, single(params, 'content'), vmid ? Number(vmid) : undefined);
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks',
      handler: ({ state, path, params }) => {
        const num = (k: string): number | undefined => (single(params, k) !== undefined ? Number(single(params, k)) : undefined);
        const r = state.cluster.tasks(path.node!, {
          source: single(params, 'source'),
          vmid: num('vmid'),
          typefilter: single(params, 'typefilter'),
          userfilter: single(params, 'userfilter'),
          errors: single(params, 'errors') === '1',
          start: num('start'),
          limit: num('limit'),
          since: num('since'),
          until: num('until'),
          statusfilter: single(params, 'statusfilter'),
        });
        return new WithTotal(r.data, r.total);
      },
    },
    { method: 'GET', path: '/nodes/{node}/tasks/{upid}/status', handler: ({ state, path }) => state.cluster.taskStatus(path.node!, path.upid!) },
    {
      method: 'GET',
      path: '/nodes/{node}/tasks/{upid}/log',
      handler: ({ state, path, params }) => {
        const r = state.cluster.taskLog(path.node!, path.upid!, Number(single(params, 'start') ?? 0), Number(single(params, 'limit') ?? 50));
        return new WithTotal(r.data, r.total);
      },
    },
  ];
}
