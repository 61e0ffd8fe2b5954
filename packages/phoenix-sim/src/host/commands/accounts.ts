/**
 * Users: Linux accounts (`useradd`, `usermod`, `id`, `chpasswd`), Samba accounts (`smbpasswd`,
 * `pdbedit`) and Proxmox users and ACLs (`pveum`). Passwords arrive on stdin and are never kept or
 * recorded: the ledger says that a password was set, not what it is.
 */
import { mkdirSync } from 'node:fs';
import { readAll, type HostCommand } from '../../ssh/command-io';
import type { SimUser } from '../machine';
import { machineCommand, options } from './context';

const GROUP_IDS: Record<string, number> = { root: 0, sudo: 27 };

export const useradd = machineCommand((m, ctx, args) => {
  const { opts, rest, flags } = options(args, ['-s', '--shell', '-G', '--groups', '-c', '-d']);
  const [name] = rest;
  if (!name || !/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) {
    ctx.stderr.write(`useradd: invalid user name '${name ?? ''}'\n`);
    return 3;
  }
  if (name === 'root' || m.data.users.some((u) => u.name === name)) {
    ctx.stderr.write(`useradd: user '${name}' already exists\n`);
    return 9;
  }
  const uid = Math.max(999, ...m.data.users.map((u) => u.uid)) + 1;
  const user: SimUser = {
    name,
    uid,
    gid: uid,
    groups: (opts.get('-G') ?? opts.get('--groups') ?? []).flatMap((g) => g.split(',')).filter(Boolean),
    home: `/home/${name}`,
    shell: (opts.get('-s') ?? opts.get('--shell'))?.[0] ?? '/bin/sh',
    passwordSet: false,
  };
  if (flags.has('-m') || flags.has('--create-home')) mkdirSync(m.state.hostPath(user.home), { recursive: true });
  m.change('user.add', { user: name, uid, groups: user.groups, shell: user.shell }, (s) => s.users.push(user));
  return 0;
});

export const usermod = machineCommand((m, ctx, args) => {
  const { opts, rest, flags } = options(args, ['-G', '-aG']);
  const name = rest.at(-1) ?? '';
  const user = m.data.users.find((u) => u.name === name);
  if (!user) {
    ctx.stderr.write(`usermod: user '${name}' does not exist\n`);
    return 6;
  }
  const groups = [...(opts.get('-aG') ?? []), ...(opts.get('-G') ?? [])].flatMap((g) => g.split(','));
  const append = flags.has('-a') || opts.has('-aG');
  m.change('user.modify', { user: name, groups, append }, () => {
    user.groups = append ? [...new Set([...user.groups, ...groups])] : groups;
  });
  return 0;
});

export const id = machineCommand((m, ctx, args) => {
  const { rest, flags } = options(args, []);
  const name = rest[0] ?? 'root';
  const user = name === 'root' ? { name: 'root', uid: 0, gid: 0, groups: ['root'] } : m.data.users.find((u) => u.name === name);
  if (!user) {
    ctx.stderr.write(`id: '${name}': no such user\n`);
    return 1;
  }
  const groups = [name, ...user.groups.filter((g) => g !== name)];
  if (flags.has('-u')) ctx.stdout.write(`${user.uid}\n`);
  else if (flags.has('-g')) ctx.stdout.write(`${user.gid}\n`);
  else if (flags.has('-nG')) ctx.stdout.write(`${groups.join(' ')}\n`);
  else ctx.stdout.write(`uid=${user.uid}(${name}) gid=${user.gid}(${name}) groups=${groups.map((g) => `${GROUP_IDS[g] ?? user.gid}(${g})`).join(',')}\n`);
  return 0;
});

/** `chpasswd [-e]`: `user:password` lines on stdin. */
export const chpasswd = machineCommand(async (m, ctx, args) => {
  const encrypted = args.includes('-e');
  const lines = (await readAll(ctx.stdin)).toString('utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const name = line.slice(0, line.indexOf(':'));
    const user = m.data.users.find((u) => u.name === name);
    if (!user || line.indexOf(':') < 1) {
      ctx.stderr.write(`chpasswd: (user ${name}) pam_chauthtok() failed, error:\nAuthentication token manipulation error\n`);
      return 1;
    }
    m.change('user.password', { user: name, encrypted }, () => (user.passwordSet = true));
  }
  return 0;
});

/** `smbpasswd -a -s USER`: the new password twice on stdin. */
export const smbpasswd = machineCommand(async (m, ctx, args) => {
  const { rest, flags } = options(args, []);
  const name = rest[0] ?? '';
  const input = (await readAll(ctx.stdin)).toString('utf8').split('\n');
  if (!flags.has('-s') || !flags.has('-a')) {
    ctx.stderr.write('phoenix-sim: smbpasswd supports -a -s USER (password twice on stdin)\n');
    return 1;
  }
  if (!m.data.users.some((u) => u.name === name)) {
    ctx.stderr.write(`Failed to add entry for user ${name}.\n`);
    return 1;
  }
  if (!input[0] || input[0] !== input[1]) {
    ctx.stderr.write('Mismatch - password unchanged.\nUnable to get new password.\n');
    return 1;
  }
  if (!m.data.sambaUsers.includes(name)) m.change('samba.user.add', { user: name }, (s) => s.sambaUsers.push(name));
  else m.record('samba.user.password', { user: name });
  ctx.stdout.write(`Added user ${name}.\n`);
  return 0;
});

export const pdbedit = machineCommand((m, ctx, args) => {
  if (!args.includes('-L')) {
    ctx.stderr.write('phoenix-sim: pdbedit supports -L\n');
    return 1;
  }
  for (const name of m.data.sambaUsers) ctx.stdout.write(`${name}:${m.data.users.find((u) => u.name === name)?.uid ?? 0}:\n`);
  return 0;
});

/** `pveum user list|add`, `pveum acl list|modify` (PVE 8 option names). */
export const pveum = machineCommand((m, ctx, args) => {
  const { opts, rest } = options(args, ['--output-format', '--users', '--roles', '--groups', '--propagate']);
  const [area, sub, target] = rest;
  const json = opts.get('--output-format')?.[0] === 'json';
  if (area === 'user' && sub === 'list') {
    const users = m.data.pveUsers.map((userid) => ({ userid, enable: 1, expire: 0 }));
    ctx.stdout.write(json ? `${JSON.stringify(users)}\n` : users.map((u) => `${u.userid}\n`).join(''));
    return 0;
  }
  if (area === 'user' && sub === 'add') {
    if (!target || !/^[^\s:/]+@(pam|pve)$/.test(target)) {
      ctx.stderr.write(`400 Parameter verification failed.\nuserid: value '${target ?? ''}' does not look like a valid user name\n`);
      return 255;
    }
    if (m.data.pveUsers.includes(target)) {
      ctx.stderr.write(`create user failed: user '${target}' already exists\n`);
      return 255;
    }
    m.change('pve.user.add', { userid: target }, (s) => s.pveUsers.push(target));
    return 0;
  }
  if (area === 'acl' && sub === 'list') {
    const acls = m.data.acls.map((a) => ({ ...a, type: 'user', propagate: 1 }));
    ctx.stdout.write(json ? `${JSON.stringify(acls)}\n` : acls.map((a) => `${a.path} ${a.ugid} ${a.roleid}\n`).join(''));
    return 0;
  }
  if (area === 'acl' && sub === 'modify') {
    const users = (opts.get('--users')?.[0] ?? '').split(',').filter(Boolean);
    const roles = (opts.get('--roles')?.[0] ?? '').split(',').filter(Boolean);
    if (!target?.startsWith('/') || users.length === 0 || roles.length === 0) {
      ctx.stderr.write('400 Parameter verification failed.\nroles: property is missing and it is not optional\n');
      return 255;
    }
    const missing = users.find((u) => !m.data.pveUsers.includes(u));
    if (missing) {
      ctx.stderr.write(`update ACL failed: user '${missing}' does not exist\n`);
      return 255;
    }
    m.change('pve.acl.modify', { path: target, users, roles }, (s) => {
      for (const ugid of users) for (const roleid of roles) if (!s.acls.some((a) => a.path === target && a.ugid === ugid && a.roleid === roleid)) s.acls.push({ path: target, ugid, roleid });
    });
    return 0;
  }
  ctx.stderr.write(`phoenix-sim: pveum ${area ?? ''} ${sub ?? ''} is not supported\n`);
  return 255;
});

export const ACCOUNT_COMMANDS: Record<string, HostCommand> = { useradd, usermod, id, chpasswd, smbpasswd, pdbedit, pveum };
