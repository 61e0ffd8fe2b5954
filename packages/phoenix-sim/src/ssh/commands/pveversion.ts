import { RELEASE_INFO } from '../../api/release';
import type { CommandContext } from '../command-io';

/** `pveversion [-v|--verbose]`: the simulated release, as on the host. */
export async function pveversion(ctx: CommandContext): Promise<number> {
  const info = RELEASE_INFO[ctx.host.state.release];
  const args = ctx.argv.slice(1);
  if (args.some((a) => !['-v', '--verbose', '-verbose'].includes(a))) {
    ctx.stderr.write(`Unknown option: ${args[0]!.replace(/^-+/, '')}\nUSAGE: pveversion [--verbose]\n`);
    return 255;
  }
  if (args.length === 0) {
    ctx.stdout.write(`pve-manager/${info.version}/${info.repoid} (running kernel: ${info.kernel})\n`);
    return 0;
  }
  for (const [pkg, version] of info.packages) {
    const note = pkg === 'proxmox-ve' ? ` (running kernel: ${info.kernel})` : pkg === 'pve-manager' ? ` (running version: ${info.version}/${info.repoid})` : '';
    ctx.stdout.write(`${pkg}: ${version}${note}\n`);
  }
  return 0;
}
