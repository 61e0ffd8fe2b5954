import { cp, mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The first contents of a fresh guest root. The guest runs host binaries (host /usr is bound
 * read-only), so the root only needs what a distribution keeps outside /usr: the merged-/usr
 * symlinks, a writable /usr/local, and the /etc files the dynamic linker, NSS and alternatives read.
 * Everything a feature installs later lands in this folder and therefore in snapshots and clones.
 */
const DIRECTORIES = [
  'etc/apt/sources.list.d', 'etc/apt/keyrings', 'etc/apt/preferences.d', 'etc/systemd/system',
  'etc/profile.d', 'etc/default', 'home', 'root', 'opt', 'srv', 'mnt', 'media', 'run', 'usr/local/bin',
  'usr/local/sbin', 'usr/local/lib', 'usr/local/share/ca-certificates', 'var/log', 'var/lib', 'var/cache',
  'var/tmp', 'var/lib/phoenix-sim',
];

/** Host /etc entries copied verbatim: linker cache, users, name service, alternatives symlinks, CA store. */
const COPIED_FROM_HOST_ETC = [
  'passwd', 'group', 'shadow', 'nsswitch.conf', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'hosts',
  'resolv.conf', 'alternatives', 'ssl', 'ca-certificates', 'ca-certificates.conf', 'bash.bashrc', 'profile',
  'inputrc', 'mime.types', 'protocols', 'services', 'localtime',
];

const OS_RELEASE = `PRETTY_NAME="Ubuntu 24.04 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=noble
`;

export async function populateRootfs(rootfs: string, hostname: string): Promise<void> {
  for (const dir of DIRECTORIES) await mkdir(join(rootfs, dir), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  // The host's /usr is mounted over this folder; it must exist as the mount point.
  await mkdir(join(rootfs, 'usr'), { recursive: true });
  for (const name of ['bin', 'sbin', 'lib', 'lib64']) {
    if (existsSync(join('/usr', name))) await symlink(`usr/${name}`, join(rootfs, name));
  }
  for (const name of COPIED_FROM_HOST_ETC) {
    const from = join('/etc', name);
    if (existsSync(from)) await cp(from, join(rootfs, 'etc', name), { recursive: true, verbatimSymlinks: true });
  }
  await writeFile(join(rootfs, 'etc/os-release'), OS_RELEASE);
  await writeFile(join(rootfs, 'etc/hostname'), `${hostname}\n`);
  await writeFile(join(rootfs, 'etc/machine-id'), '');
  // Locales start commented out, as in a fresh template, so locale-gen has something to enable.
  await writeFile(join(rootfs, 'etc/locale.gen'), '# en_US.UTF-8 UTF-8\n# C.UTF-8 UTF-8\n');
  await writeFile(join(rootfs, 'etc/apt/sources.list'), 'deb http://archive.ubuntu.com/ubuntu noble main universe\n');
}
