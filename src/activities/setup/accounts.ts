/** Reading and creating Linux accounts, shared by the users and Samba steps. */
import { checked, type StepRun } from './step-run';

export async function userExists(s: StepRun, name: string): Promise<boolean> {
  return (await s.run.exec(['id', '-u', name])).code === 0;
}

export async function userIds(s: StepRun, name: string): Promise<{ uid: string; gid: string }> {
  return { uid: (await checked(s, ['id', '-u', name])).trim(), gid: (await checked(s, ['id', '-g', name])).trim() };
}

/** Creates the account when missing; says whether it did (passwords are set only on creation). */
export async function ensureUser(s: StepRun, name: string, groups: string[]): Promise<boolean> {
  if (await userExists(s, name)) {
    if (groups.length === 0) return false;
    const current = (await checked(s, ['id', '-nG', name])).trim().split(/\s+/);
    const missing = groups.filter((g) => !current.includes(g));
    if (missing.length) await s.change(`add ${name} to ${missing.join(', ')}`, () => checked(s, ['usermod', '-aG', missing.join(','), name]));
    return false;
  }
  await s.change(`create user ${name}${groups.length ? ` (${groups.join(', ')})` : ''}`, () =>
    checked(s, ['useradd', '-m', '-s', '/bin/bash', ...(groups.length ? ['-G', groups.join(',')] : []), name]),
  );
  return true;
}
