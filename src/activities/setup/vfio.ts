/**
 * Step 5, VFIO/IOMMU, only for the GPUs the config passes through to VMs (`gpus[].use: "vm"`):
 * IOMMU on the kernel command line, the vfio modules, and vfio-pci claiming exactly those
 * vendor:device ids before the NVIDIA driver can. The host driver is never blacklisted (the next
 * step installs it for the other GPUs). Takes effect at the next boot (the reboot step).
 */
import { withManagedBlock } from '../../planning/setup';
import { checked, ensureHostFile, readHostFile, type SetupStep } from './step-run';

const GRUB = '/etc/default/grub';
const KEY = 'GRUB_CMDLINE_LINUX_DEFAULT';

/** /etc/default/grub with the tokens added to GRUB_CMDLINE_LINUX_DEFAULT; undefined if already there. */
export function grubWithTokens(text: string, tokens: readonly string[]): string | undefined {
  const line = new RegExp(`^${KEY}="([^"]*)"\\s*$`, 'm');
  const m = line.exec(text);
  const current = m ? m[1]!.split(/\s+/).filter(Boolean) : [];
  const missing = tokens.filter((t) => !current.includes(t));
  if (missing.length === 0) return undefined;
  const updated = `${KEY}="${[...current, ...missing].join(' ')}"`;
  return m ? text.replace(line, updated) : `${text.replace(/\n?$/, '\n')}${updated}\n`;
}

export const vfio: SetupStep = async (s) => {
  const want = s.plan.vfio;
  if (!want) return;
  const grub = (await readHostFile(s.run, GRUB)) ?? '';
  const updated = grubWithTokens(grub, want.cmdline);
  if (updated !== undefined) {
    await s.change(`kernel command line += ${want.cmdline.join(' ')} (next boot)`, async () => {
      await s.run.writeFile(GRUB, updated);
      await checked(s, ['update-grub']);
    });
  }
  const modules = (await readHostFile(s.run, '/etc/modules')) ?? '';
  const modulesChanged = await ensureHostFile(s, '/etc/modules', withManagedBlock(modules, 'vfio', ['vfio', 'vfio_iommu_type1', 'vfio_pci']), 'load the vfio modules at boot');
  const confChanged = await ensureHostFile(
    s,
    '/etc/modprobe.d/vfio.conf',
    [`options vfio-pci ids=${want.ids.join(',')}`, 'softdep nvidia pre: vfio-pci', 'softdep nouveau pre: vfio-pci', ''].join('\n'),
    `bind ${want.ids.join(', ')} to vfio-pci`,
  );
  if (modulesChanged || confChanged) await s.change('rebuild the initramfs', () => checked(s, ['update-initramfs', '-u', '-k', 'all']));
};
