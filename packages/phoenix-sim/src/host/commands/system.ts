/**
 * The host's system tools as setup uses them: apt, time zone, boot configuration (GRUB,
 * initramfs), kernel modules and the NVIDIA driver, systemd (transient units, enable, reboot),
 * AppArmor, NFS exports, and `mv`/`curl` for files. Each reads and changes the machine model or
 * the host's real files, and leaves a ledger entry for every effect.
 */
import { existsSync, renameSync } from 'node:fs';
import type { HostCommand } from '../../ssh/command-io';
import { HostFs, HostFsError } from '../../ssh/host-fs';
import { machineCommand, options } from './context';

const RUNFILE = /NVIDIA-Linux-x86_64-([0-9]+(?:\.[0-9]+)+)\.run$/;
const RUNFILE_MARK = 'phoenix-sim nvidia runfile ';

function readText(fs: HostFs, path: string): string | undefined {
  try {
    return fs.read(path).toString('utf8');
  } catch (e) {
    if (e instanceof HostFsError) return undefined;
    throw e;
  }
}

export const aptGet = machineCommand(async (m, ctx, args) => {
  const { rest } = options(args, ['-o']);
  const [sub, ...pkgs] = rest;
  const fs = new HostFs(ctx.host);
  if (sub === 'update') {
    const enterprise = ['/etc/apt/sources.list.d/pve-enterprise.sources', '/etc/apt/sources.list.d/ceph.sources'].filter((p) => (readText(fs, p) ?? '').includes('enterprise.proxmox.com'));
    if (enterprise.length > 0) {
      ctx.stderr.write('E: Failed to fetch https://enterprise.proxmox.com/debian/pve/dists/trixie/InRelease  401  Unauthorized [IP: 212.224.123.70 443]\nE: The repository \'https://enterprise.proxmox.com/debian/pve trixie InRelease\' is not signed.\n');
      m.record('apt.update', { ok: false, enterprise });
      return 100;
    }
    m.record('apt.update', { ok: true });
    return 0;
  }
  if (sub === 'install') {
    const missing = pkgs.filter((p) => !m.data.packages.includes(p));
    if (missing.length > 0) m.change('apt.install', { packages: missing }, (s) => s.packages.push(...missing));
    return 0;
  }
  ctx.stderr.write(`phoenix-sim: apt-get supports update and install, not '${sub ?? ''}'\n`);
  return 100;
});

/** `dpkg-query -W -f=FORMAT PKG...` with ${Package} and ${db:Status-Status}. */
export const dpkgQuery = machineCommand((m, ctx, args) => {
  const { opts, rest } = options(args, ['-f', '--showformat']);
  const format = (opts.get('-f') ?? opts.get('--showformat'))?.[0] ?? '${Package}\t${Version}\n';
  let code = 0;
  for (const p of rest.filter((a) => a !== '-W')) {
    if (!m.data.packages.includes(p)) {
      ctx.stderr.write(`dpkg-query: no packages found matching ${p}\n`);
      code = 1;
      continue;
    }
    ctx.stdout.write(format.replace(/\$\{Package\}/g, p).replace(/\$\{db:Status-Status\}/g, 'installed').replace(/\$\{Version\}/g, '1.0').replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
  }
  return code;
});

/** `curl -fsSL [--retry N] -o PATH URL`: the simulated host has no Internet; downloads are placeholders. */
export const curl = machineCommand((m, ctx, args) => {
  const { opts, rest } = options(args, ['-o', '--output', '--retry']);
  const out = (opts.get('-o') ?? opts.get('--output'))?.[0];
  const url = rest.find((r) => /^https?:\/\//.test(r));
  if (!out || !url) {
    ctx.stderr.write('phoenix-sim: curl supports -o FILE URL\n');
    return 2;
  }
  const version = RUNFILE.exec(url)?.[1];
  try {
    new HostFs(ctx.host).write(out, Buffer.from(version ? `${RUNFILE_MARK}${version}\n` : `phoenix-sim download of ${url}\n`));
  } catch (e) {
    if (!(e instanceof HostFsError)) throw e;
    ctx.stderr.write(`curl: (23) Failure writing output to destination: ${e.message}\n`);
    return 23;
  }
  m.record('download', { url, path: out });
  return 0;
});

export const mv = machineCommand((m, ctx, args) => {
  const { rest } = options(args, []);
  const [from, to] = rest;
  const fs = new HostFs(ctx.host);
  if (!from || !to || !fs.exists(from)) {
    ctx.stderr.write(`mv: cannot stat '${from ?? ''}': No such file or directory\n`);
    return 1;
  }
  renameSync(fs.realPath(from), fs.realPath(to));
  m.record('file.rename', { from: fs.normalize(from), to: fs.normalize(to) });
  return 0;
});

export const timedatectl = machineCommand((m, ctx, args) => {
  const [sub, ...rest] = args;
  if (sub === 'show') {
    ctx.stdout.write(rest.includes('--value') ? `${m.data.timezone}\n` : `Timezone=${m.data.timezone}\n`);
    return 0;
  }
  if (sub === 'set-timezone' && rest[0]) {
    if (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(rest[0])) {
      ctx.stderr.write(`Failed to set time zone: Invalid or not installed time zone '${rest[0]}'\n`);
      return 1;
    }
    m.change('host.timezone', { timezone: rest[0] }, (s) => (s.timezone = rest[0]!));
    return 0;
  }
  ctx.stderr.write('phoenix-sim: timedatectl supports show and set-timezone\n');
  return 1;
});

export const updateGrub = machineCommand((m, ctx) => {
  const text = readText(new HostFs(ctx.host), '/etc/default/grub') ?? '';
  const value = (key: string) => [...text.matchAll(/^\s*([A-Z_]+)="?([^"\n]*?)"?\s*$/gm)].find((x) => x[1] === key)?.[2] ?? '';
  const cmdline = ['BOOT_IMAGE=/boot/vmlinuz-6.14.8-2-pve', value('GRUB_CMDLINE_LINUX'), value('GRUB_CMDLINE_LINUX_DEFAULT')].filter(Boolean).join(' ');
  ctx.stderr.write('Generating grub configuration file ...\ndone\n');
  m.change('boot.update-grub', { nextCmdline: cmdline }, (s) => (s.nextCmdline = cmdline));
  return 0;
});

/** `update-initramfs -u [-k all]`: packs the vfio-pci ids and the nouveau blacklist for the next boot. */
export const updateInitramfs = machineCommand((m, ctx) => {
  const fs = new HostFs(ctx.host);
  const modprobe = ['/etc/modprobe.d/vfio.conf', '/etc/modprobe.d/blacklist-nouveau.conf'].map((p) => readText(fs, p) ?? '').join('\n');
  const vfioIds = /^options vfio-pci ids=([0-9a-f:,]+)/m.exec(modprobe)?.[1]?.split(',') ?? [];
  const nouveauBlacklisted = /^blacklist nouveau$/m.test(modprobe);
  m.change('boot.update-initramfs', { vfioIds, nouveauBlacklisted }, (s) => (s.initramfs = { vfioIds, nouveauBlacklisted }));
  return 0;
});

/** `modinfo -F version nvidia`: the module on disk, loaded or not. */
export const modinfo = machineCommand((m, ctx, args) => {
  const { rest } = options(args, ['-F']);
  if (rest[0] === 'nvidia' && m.data.driver.installed) {
    ctx.stdout.write(`${m.data.driver.installed}\n`);
    return 0;
  }
  ctx.stderr.write(`modinfo: ERROR: Module ${rest[0] ?? ''} not found.\n`);
  return 1;
});

export const nvidiaSmi = machineCommand((m, ctx, args) => {
  if (!m.data.driver.installed) {
    ctx.stderr.write('bash: line 1: nvidia-smi: command not found\n');
    return 127;
  }
  if (!m.data.driver.loaded) {
    ctx.stdout.write("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n");
    return 9;
  }
  const query = args.find((a) => a.startsWith('--query-gpu='))?.slice('--query-gpu='.length).split(',') ?? ['index', 'name', 'driver_version'];
  m.driverGpus().forEach((g, i) => {
    const nounits = args.some((a) => a === '--format=csv,noheader,nounits' || a === '--format=csv,nounits,noheader');
    const memory = g.memoryMb === undefined ? '[N/A]' : nounits ? String(g.memoryMb) : `${g.memoryMb} MiB`;
    const v: Record<string, string> = { index: String(i), name: g.name, driver_version: m.data.driver.loaded!, 'pci.bus_id': `0000${g.pciAddress.toUpperCase()}`, uuid: `GPU-${g.pciAddress.replace(/[:.]/g, '')}`, 'memory.total': memory };
    ctx.stdout.write(`${query.map((q) => v[q] ?? '[N/A]').join(', ')}\n`);
  });
  return 0;
});

/** `lspci -D -nn [-d 10de:]`. */
export const lspci = machineCommand((m, ctx, args) => {
  const { opts } = options(args, ['-d']);
  const vendor = opts.get('-d')?.[0]?.replace(/:$/, '');
  for (const g of m.gpus) {
    if (vendor && !g.ids[0]!.startsWith(vendor)) continue;
    ctx.stdout.write(`${g.pciAddress} VGA compatible controller [0300]: ${g.name.replace(/^NVIDIA /, 'NVIDIA Corporation ')} [${g.ids[0]}] (rev a1)\n`);
  }
  return 0;
});

/** `systemd-run --unit=NAME [--description=...] [--remain-after-exit] PROGRAM ARGS...`. */
export const systemdRun = machineCommand((m, ctx, args) => {
  let i = 0;
  let unit: string | undefined;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a.startsWith('--unit=')) unit = a.slice(7);
    else if (a === '--unit' || a === '-u') unit = args[++i];
    else if (a === '--description' || a === '-p' || a === '--property') i++;
  }
  const argv = args.slice(i);
  if (!unit || !/^[A-Za-z0-9:_.@-]+$/.test(unit) || argv.length === 0) {
    ctx.stderr.write('phoenix-sim: systemd-run needs --unit=NAME and a program\n');
    return 1;
  }
  const name = unit.endsWith('.service') ? unit : `${unit}.service`;
  if (m.data.units[name]) {
    ctx.stderr.write(`Failed to start transient service unit: Unit ${name} was already loaded or has a fragment file.\n`);
    return 1;
  }
  const fs = new HostFs(ctx.host);
  const program = readText(fs, argv[0]!);
  if (program === undefined) {
    ctx.stderr.write(`Failed to find executable ${argv[0]}: No such file or directory\n`);
    return 1;
  }
  const version = program.startsWith(RUNFILE_MARK) ? program.slice(RUNFILE_MARK.length).trim() : undefined;
  m.startUnit(name, argv, version);
  ctx.stderr.write(`Running as unit: ${name}\n`);
  return 0;
});

export const systemctl = machineCommand((m, ctx, args) => {
  const { opts, rest } = options(args, ['-p', '--property']);
  const [sub, ...names] = rest;
  const unitName = (n: string) => (n.includes('.') ? n : `${n}.service`);
  switch (sub) {
    case 'reboot':
      m.reboot();
      return 0;
    case 'show': {
      const props = (opts.get('-p') ?? opts.get('--property') ?? []).flatMap((p) => p.split(','));
      const u = m.data.units[unitName(names[0] ?? '')];
      const v: Record<string, string> = u
        ? { LoadState: 'loaded', ActiveState: u.state === 'failed' ? 'failed' : 'active', SubState: u.state, Result: u.state === 'failed' ? 'exit-code' : 'success', ExecMainStatus: String(u.exitStatus ?? 0) }
        : { LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead', Result: 'success', ExecMainStatus: '0' };
      ctx.stdout.write(props.map((p) => `${p}=${v[p] ?? ''}\n`).join(''));
      return 0;
    }
    case 'is-active': {
      const n = unitName(names[0] ?? '');
      const state = n === 'pveproxy.service' ? m.pveproxyState() : m.data.units[n] ? (m.data.units[n]!.state === 'failed' ? 'failed' : 'active') : 'active';
      ctx.stdout.write(`${state}\n`);
      return state === 'active' ? 0 : 3;
    }
    case 'is-enabled': {
      const n = unitName(names[0] ?? '');
      const enabled = m.data.enabledUnits.includes(n);
      ctx.stdout.write(`${enabled ? 'enabled' : 'disabled'}\n`);
      return enabled ? 0 : 1;
    }
    case 'enable': {
      const fresh = names.map(unitName).filter((n) => !m.data.enabledUnits.includes(n));
      for (const n of fresh) {
        if (!existsSync(m.state.hostPath(`/etc/systemd/system/${n}`))) {
          ctx.stderr.write(`Failed to enable unit: Unit file ${n} does not exist.\n`);
          return 1;
        }
      }
      if (fresh.length) m.change('systemd.enable', { units: fresh }, (s) => s.enabledUnits.push(...fresh));
      return 0;
    }
    case 'daemon-reload':
    case 'reload':
    case 'restart':
    case 'start':
      m.record(`systemd.${sub}`, { units: names });
      return 0;
    default:
      ctx.stderr.write(`phoenix-sim: systemctl ${sub ?? ''} is not supported\n`);
      return 1;
  }
});

/** `journalctl -u UNIT [-n N] [--no-pager] [-o cat]`: a transient unit's output. */
export const journalctl = machineCommand((m, ctx, args) => {
  const { opts } = options(args, ['-u', '-n', '-o']);
  const name = opts.get('-u')?.[0] ?? '';
  const u = m.data.units[name.includes('.') ? name : `${name}.service`];
  const n = Number(opts.get('-n')?.[0] ?? 50);
  ctx.stdout.write((u?.log ?? ['-- No entries --']).slice(-n).map((l) => `${l}\n`).join(''));
  return 0;
});

export const reboot: HostCommand = machineCommand((m) => {
  m.reboot();
  return 0;
});

export const apparmorParser = machineCommand((m, ctx, args) => {
  const { rest, flags } = options(args, []);
  const fs = new HostFs(ctx.host);
  for (const p of rest) {
    const text = readText(fs, p);
    if (text === undefined) {
      ctx.stderr.write(`File ${p} not found, skipping...\n`);
      return 1;
    }
    if (!/profile\s+\S+.*\{[\s\S]*\}/.test(text)) {
      ctx.stderr.write(`AppArmor parser error for ${p} in profile ${p} at line 1: syntax error\n`);
      return 1;
    }
  }
  m.record('apparmor.load', { files: rest.map((p) => fs.normalize(p)), replace: flags.has('-r') });
  return 0;
});

/** `exportfs -ra`: re-reads /etc/exports; every exported path must exist. */
export const exportfs = machineCommand((m, ctx) => {
  const fs = new HostFs(ctx.host);
  const lines = (readText(fs, '/etc/exports') ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const exports = [];
  for (const line of lines) {
    const [path, ...clients] = line.split(/\s+/);
    if (!fs.isDirectory(path!)) {
      ctx.stderr.write(`exportfs: Failed to stat ${path}: No such file or directory\n`);
      return 1;
    }
    exports.push({ path, clients });
  }
  m.record('nfs.exportfs', { exports });
  return 0;
});

/** `env NAME=value... COMMAND ARGS...`: the simulated host keeps no environment, so the assignments only have to be well-formed. */
export const env: HostCommand = async (ctx) => {
  const args = ctx.argv.slice(1);
  const first = args.findIndex((a) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a));
  if (first < 0) {
    ctx.stderr.write('phoenix-sim: env needs a command\n');
    return 125;
  }
  // Loaded when called: the dispatcher's table includes this very command.
  const { HOST_COMMANDS } = await import('../../ssh/dispatcher');
  const name = args[first]!.replace(/^\/(usr\/)?s?bin\//, '');
  const handler = HOST_COMMANDS[name];
  if (!handler) {
    ctx.stderr.write(`env: '${args[first]}': No such file or directory\n`);
    return 127;
  }
  return handler({ ...ctx, argv: [name, ...args.slice(first + 1)] });
};

export const SYSTEM_COMMANDS: Record<string, HostCommand> = {
  env,
  'apt-get': aptGet,
  'dpkg-query': dpkgQuery,
  curl,
  mv,
  timedatectl,
  'update-grub': updateGrub,
  'update-initramfs': updateInitramfs,
  modinfo,
  'nvidia-smi': nvidiaSmi,
  lspci,
  'systemd-run': systemdRun,
  systemctl,
  journalctl,
  reboot,
  apparmor_parser: apparmorParser,
  exportfs,
};

