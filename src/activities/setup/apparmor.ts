/**
 * Step 14, AppArmor: the profile for containers that run containers (nesting), which the LXC
 * configs can name as `lxc-phoenix-nesting`; loaded with the other LXC profiles.
 */
import { checked, ensureHostFile, type SetupStep } from './step-run';

export const NESTING_PROFILE_FILE = '/etc/apparmor.d/lxc/lxc-phoenix-nesting';

const PROFILE = [
  '# Phoenix: lxc-default-with-nesting plus the mounts Docker and systemd need inside a container.',
  'profile lxc-phoenix-nesting flags=(attach_disconnected,mediate_deleted) {',
  '  #include <abstractions/lxc/container-base>',
  '  #include <abstractions/lxc/start-container>',
  '  deny /dev/.lxc/proc/** rw,',
  '  deny /dev/.lxc/sys/** rw,',
  '  mount fstype=proc -> /var/cache/lxc/**,',
  '  mount fstype=sysfs -> /var/cache/lxc/**,',
  '  mount options=(rw,bind),',
  '  mount fstype=cgroup -> /sys/fs/cgroup/**,',
  '  mount fstype=cgroup2 -> /sys/fs/cgroup/**,',
  '  mount fstype=overlay,',
  '  mount fstype=fuse,',
  '}',
  '',
].join('\n');

export const apparmor: SetupStep = async (s) => {
  if (!s.plan.apparmor) return;
  if (await ensureHostFile(s, NESTING_PROFILE_FILE, PROFILE, 'install AppArmor profile lxc-phoenix-nesting')) {
    await s.change('load the LXC AppArmor profiles', () => checked(s, ['apparmor_parser', '-r', NESTING_PROFILE_FILE]));
  }
};
