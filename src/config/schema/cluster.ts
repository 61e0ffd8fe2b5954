/**
 * The cluster's nodes (`proxmox.nodes` in phoenix_hypervisor_config.json): each node's SSH endpoint
 * and host key, and optionally its GPUs. A file without `nodes` describes a one-node cluster (the
 * node named by `proxmox.node`, reached over `proxmox.ssh`), which is what every single-host
 * configuration of the original is.
 */
import { z } from 'zod';
import { absolutePath } from '../formats';
import { port } from './common';
import { hostAddress, nodeName, sshFingerprint } from './addresses';

/** One GPU of a node, as `nvidia-smi --query-gpu=index,name,memory.total` reports it. */
export const nodeGpu = z.strictObject({
  index: z.number().int().min(0).max(63).meta({ description: 'nvidia-smi index' }),
  model: z.string().min(1).max(200).optional().meta({ description: 'e.g. "NVIDIA GeForce RTX 5060 Ti"' }),
  memory_mb: z.number().int().min(1).optional().meta({ description: 'GPU memory in MiB (memory.total)' }),
});

export const clusterNode = z.strictObject({
  name: nodeName.meta({ description: 'PVE node name (pvecm nodes)' }),
  ssh: z
    .strictObject({
      host: hostAddress.meta({ description: "This node's SSH address" }),
      port: port.optional().meta({ description: 'Default 22' }),
      user: z.string().regex(/^[a-z_][a-z0-9_-]*$/, 'must be a user name').optional().meta({ description: 'Default: proxmox.ssh.user, else root' }),
      host_key_fingerprint: sshFingerprint.optional(),
      known_hosts_file: absolutePath.optional(),
    })
    .optional()
    .meta({ description: 'Default: proxmox.ssh (only for the API node)' }),
  gpus: z
    .array(nodeGpu)
    .optional()
    .meta({ description: "The node's GPUs; when absent, placement asks nvidia-smi on the node" }),
  template_copy_id_offset: z
    .number()
    .int()
    .min(1)
    .max(899_999_999)
    .optional()
    .meta({
      description:
        'A template on node-local storage is copied to this node as its ID plus this offset (VMIDs are cluster-wide); default 100000 times the node position (1 for the first)',
    }),
});

export type ClusterNodeEntry = z.output<typeof clusterNode>;
export type NodeGpu = z.output<typeof nodeGpu>;
