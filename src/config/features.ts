/**
 * Feature names a config may list. Each names a script: `features/lxc/<name>.sh` for containers,
 * `features/vm/<name>.sh` for VMs (embedded into cloud-init). Kept in one place so a test can check
 * the scripts folder against these lists.
 */
export const LXC_FEATURES = [
  'base_setup',
  'nvidia',
  'docker',
  'vllm',
  'ollama',
  'qdrant',
  'portainer',
  'python_api_service',
] as const;

export const VM_FEATURES = ['docker', 'nvidia', 'base_setup'] as const;

export type LxcFeature = (typeof LXC_FEATURES)[number];
export type VmFeature = (typeof VM_FEATURES)[number];
