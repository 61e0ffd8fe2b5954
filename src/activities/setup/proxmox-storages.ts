/**
 * Step 4, Proxmox storages for the datasets (`pvesm add zfspool|dir`). An existing storage of the
 * same id must be of the same type (anything else is a conflict a person must resolve); its
 * content types are brought in line with `pvesm set`.
 */
import { permanent } from '../common/classify';
import { checked, readHostFile, type SetupStep } from './step-run';

interface StorageEntry {
  type: string;
  id: string;
  props: Map<string, string>;
}

/** `/etc/pve/storage.cfg`: `type: id` headers, then indented `key value` lines. */
export function parseStorageCfg(text: string): StorageEntry[] {
  const out: StorageEntry[] = [];
  for (const line of text.split('\n')) {
    const head = /^([a-z]+):\s*(\S+)\s*$/.exec(line);
    if (head) out.push({ type: head[1]!, id: head[2]!, props: new Map() });
    else if (/^\s+\S/.test(line) && out.length) {
      const [key, ...value] = line.trim().split(/\s+/);
      out.at(-1)!.props.set(key!, value.join(' '));
    }
  }
  return out;
}

export const proxmoxStorages: SetupStep = async (s) => {
  if (s.plan.storages.length === 0) return;
  const existing = parseStorageCfg((await readHostFile(s.run, '/etc/pve/storage.cfg')) ?? '');
  for (const want of s.plan.storages) {
    const have = existing.find((e) => e.id === want.id);
    if (!have) {
      const where = want.type === 'zfspool' ? ['--pool', want.pool!] : ['--path', want.path!];
      await s.change(`add ${want.type} storage ${want.id} (${want.pool ?? want.path}, ${want.content})`, () =>
        checked(s, ['pvesm', 'add', want.type, want.id, ...where, '--content', want.content]),
      );
      continue;
    }
    if (have.type !== want.type) {
      throw permanent(`storage ${want.id} exists as type ${have.type}, but the hypervisor file makes it ${want.type}: remove or rename one of them (setup does not replace storages)`, 'PhoenixStateConflict');
    }
    const content = (have.props.get('content') ?? '').split(',').sort().join(',');
    if (content !== want.content.split(',').sort().join(',')) {
      await s.change(`storage ${want.id} content ${content || '(none)'} → ${want.content}`, () => checked(s, ['pvesm', 'set', want.id, '--content', want.content]));
    }
  }
};
