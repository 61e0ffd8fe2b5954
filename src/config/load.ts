/** Reads the three config files from a folder. The only module in src/config that does I/O. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ENV, type Env } from './env';
import { CONFIG_FILES, DEFAULT_CONFIG_DIR, type ConfigFileKind } from './files';
import { parseConfigSources, type ConfigSource, type LoadedConfig } from './parse';

/** `--config-dir`, else `PHOENIX_CONFIG_DIR`, else `./config`; made absolute against the working directory. */
export function configDirFrom(option: string | undefined, env: Env = process.env): string {
  return resolve(option ?? env[ENV.configDir] ?? DEFAULT_CONFIG_DIR);
}

/** Load and validate the configuration in `dir`. Throws `ConfigError` listing every problem. */
export async function loadConfig(dir: string): Promise<LoadedConfig> {
  const read = async (kind: ConfigFileKind): Promise<ConfigSource> => {
    const path = resolve(dir, CONFIG_FILES[kind]);
    try {
      return { text: await readFile(path, 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { problem: `file not found: ${path}` };
      if (code === 'EISDIR') return { problem: `is a directory, not a file: ${path}` };
      if (code === 'EACCES') return { problem: `permission denied reading ${path}` };
      return { problem: `cannot read ${path}: ${(err as Error).message}` };
    }
  };
  const [lxc, vm, hypervisor] = await Promise.all([read('lxc'), read('vm'), read('hypervisor')]);
  return parseConfigSources({ lxc, vm, hypervisor });
}
