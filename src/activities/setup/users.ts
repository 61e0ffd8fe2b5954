/**
 * Step 12, the admin user: a Linux/PAM account with sudo, its SSH key, and a Proxmox user with
 * the Administrator role. The password is set when the account is created: from the config's
 * crypt(3) hash, or from PHOENIX_USER_PASSWORD_<NAME> on the worker, on chpasswd's stdin (the
 * original prompted for it interactively, which blocked unattended runs).
 */
import { userIds, ensureUser } from './accounts';
import { setupSecret } from './secrets';
import { checked, readHostFile, type SetupStep } from './step-run';

export const users: SetupStep = async (s) => {
  for (const user of s.plan.users) {
    const created = await ensureUser(s, user.name, user.sudo ? ['sudo'] : []);
    if (created) {
      if (user.passwordHash) {
        await s.change(`set ${user.name}'s password (hash from the config)`, () => checked(s, ['chpasswd', '-e'], { stdin: `${user.name}:${user.passwordHash}\n` }));
      } else {
        const secret = setupSecret(s.env, 'USER', user.name);
        if (secret) await s.change(`set ${user.name}'s password (from the worker)`, () => checked(s, ['chpasswd'], { stdin: `${user.name}:${secret}\n` }));
      }
    }
    if (user.sshKey) {
      const file = `/home/${user.name}/.ssh/authorized_keys`;
      const current = (s.apply || !created ? await readHostFile(s.run, file) : undefined) ?? '';
      if (!current.split('\n').includes(user.sshKey)) {
        await s.change(`authorize the SSH key for ${user.name}`, async () => {
          const { uid, gid } = await userIds(s, user.name);
          await checked(s, ['mkdir', '-p', '-m', '700', `/home/${user.name}/.ssh`]);
          await s.run.writeFile(file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${user.sshKey}\n`);
          await checked(s, ['chmod', '600', file]);
          await checked(s, ['chown', '-R', `${uid}:${gid}`, `/home/${user.name}/.ssh`]);
        });
      }
    }
    if (!user.pveAdmin) continue;
    const userid = `${user.name}@pam`;
    const pveUsers = JSON.parse(await checked(s, ['pveum', 'user', 'list', '--output-format', 'json'])) as Array<{ userid: string }>;
    if (!pveUsers.some((u) => u.userid === userid)) await s.change(`add Proxmox user ${userid}`, () => checked(s, ['pveum', 'user', 'add', userid]));
    const acls = JSON.parse(await checked(s, ['pveum', 'acl', 'list', '--output-format', 'json'])) as Array<{ path: string; ugid: string; roleid: string }>;
    if (!acls.some((a) => a.path === '/' && a.ugid === userid && a.roleid === 'Administrator')) {
      await s.change(`grant ${userid} Administrator on /`, () => checked(s, ['pveum', 'acl', 'modify', '/', '--users', userid, '--roles', 'Administrator']));
    }
  }
};
