/**
 * Step 13, Samba: the share owner's Linux and Samba accounts (its password from
 * PHOENIX_SAMBA_PASSWORD_<USER> or ..._FILE on the worker, on smbpasswd's stdin; the original
 * hard-coded it), the shared folders, and Phoenix's block of share sections in smb.conf.
 */
import { withManagedBlock } from '../../planning/setup';
import { permanent } from '../common/classify';
import { ensureUser, userIds } from './accounts';
import { secretVariable, setupSecret } from './secrets';
import { checked, ensureHostFile, readHostFile, type SetupStep } from './step-run';

const SMB_CONF = '/etc/samba/smb.conf';

export const samba: SetupStep = async (s) => {
  const want = s.plan.samba;
  if (!want) return;
  await ensureUser(s, want.user, []);
  const accounts = (await s.run.exec(['pdbedit', '-L'])).stdout.split('\n').map((l) => l.split(':')[0]);
  if (!accounts.includes(want.user)) {
    const secret = setupSecret(s.env, 'SAMBA', want.user);
    if (!secret && s.apply) {
      const name = secretVariable('SAMBA', want.user);
      throw permanent(`the Samba account ${want.user} needs a password: set ${name} or ${name}_FILE in the worker's environment`, 'PhoenixWorkerMisconfigured');
    }
    await s.change(`add Samba account ${want.user}`, () => checked(s, ['smbpasswd', '-a', '-s', want.user], { stdin: `${secret}\n${secret}\n` }));
  }
  for (const share of want.shares) {
    if ((await s.run.exec(['test', '-d', share.path])).code === 0) continue;
    await s.change(`create ${share.path} for share ${share.name}`, async () => {
      const { uid, gid } = await userIds(s, want.user);
      await checked(s, ['mkdir', '-p', share.path]);
      await checked(s, ['chown', `${uid}:${gid}`, share.path]);
      await checked(s, ['chmod', '2770', share.path]);
    });
  }
  const current = (await readHostFile(s.run, SMB_CONF)) ?? '';
  const sections = want.shares.flatMap((sh) => ['', ...sh.section]);
  if (await ensureHostFile(s, SMB_CONF, withManagedBlock(current, 'shares', sections), `share ${want.shares.map((sh) => sh.name).join(', ')} in smb.conf`)) {
    await s.change('restart smbd', () => checked(s, ['systemctl', 'restart', 'smbd']));
  }
};
