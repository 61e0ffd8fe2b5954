/** The three files Phoenix reads from its config folder, named exactly as the original Phoenix named them. */
export const CONFIG_FILES = {
  lxc: 'phoenix_lxc_configs.json',
  vm: 'phoenix_vm_configs.json',
  hypervisor: 'phoenix_hypervisor_config.json',
} as const;

export type ConfigFileKind = keyof typeof CONFIG_FILES;
export type ConfigFileName = (typeof CONFIG_FILES)[ConfigFileKind];

/** Where `config/schema/*.json` files are written, and how the shipped files reference them from `$schema`. */
export function schemaFileName(kind: ConfigFileKind): string {
  return CONFIG_FILES[kind].replace(/\.json$/, '.schema.json');
}

export const DEFAULT_CONFIG_DIR = './config';
