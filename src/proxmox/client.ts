// The root client: factories that mirror PVE's URL tree, over one transport.
//   pve.node('pve').lxc(901).clone({...})   → POST /nodes/pve/lxc/901/clone
//   pve.tasks.wait(upid)                    → GET  /nodes/<node from UPID>/tasks/<upid>/status
import { createAgentClient } from './agent';
import { createClusterClient } from './cluster';
import { createContainerClient, type CreateContainerParams } from './containers';
import { createNodeClient } from './nodes';
import { createStorageClient, type StorageContentType } from './storage';
import { createTaskClient } from './tasks';
import { createPveTransport, type PveHttp, type PveTransportOptions } from './transport';
import { createVmClient } from './vms';

export function createPveClient(http: PveHttp) {
  const tasks = createTaskClient(http);
  const containers = createContainerClient(http, tasks);
  const vms = createVmClient(http, tasks);
  const agents = createAgentClient(http);
  const storage = createStorageClient(http);
  const nodes = createNodeClient(http);

  function node(name: string) {
    return {
      name,
      lxc: (vmid: number) => containers.container(name, vmid),
      createContainer: (p: CreateContainerParams) => containers.create(name, p),
      qemu: (vmid: number) => vms.vm(name, vmid),
      agent: (vmid: number) => agents.agent(name, vmid),
      storage: {
        list: (filter?: { content?: StorageContentType; enabled?: boolean }) => storage.list(name, filter),
        content: (storageId: string, type?: StorageContentType) => storage.content(name, storageId, type),
        findTemplate: (fileName: string) => storage.findTemplate(name, fileName),
      },
      tasks: {
        list: (filter?: Parameters<typeof tasks.list>[1]) => tasks.list(name, filter),
        findRunning: (q: { vmid: number; type: string }) => tasks.findRunning(name, q),
      },
      status: () => nodes.status(name),
    };
  }

  return {
    http,
    cluster: createClusterClient(http),
    nodes,
    tasks,
    node,
    close: () => http.close(),
  };
}

export type PveClient = ReturnType<typeof createPveClient>;

/** Transport + root client in one call, for the worker's dependency wiring. */
export const connectPve = (opts: PveTransportOptions): PveClient => createPveClient(createPveTransport(opts));
