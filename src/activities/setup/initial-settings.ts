/**
 * Step 1, initial settings: time zone, apt repositories (the enterprise ones, which need a
 * subscription and make `apt-get update` fail, are renamed to `*.disabled`; the no-subscription
 * repository is added) and the packages later steps need.
 */
import { checked, ensureHostFile, readHostFile, type SetupStep } from './step-run';

const SOURCES = '/etc/apt/sources.list.d';
const ENTERPRISE = ['pve-enterprise.sources', 'pve-enterprise.list', 'ceph.sources', 'ceph.list'];

function noSubscription(suite: string): string {
  return [
    'Types: deb',
    'URIs: http://download.proxmox.com/debian/pve',
    `Suites: ${suite}`,
    'Components: pve-no-subscription',
    'Signed-By: /usr/share/keyrings/proxmox-archive-keyring.gpg',
    '',
  ].join('\n');
}

export const initialSettings: SetupStep = async (s) => {
  if (s.plan.timezone) {
    const current = (await checked(s, ['timedatectl', 'show', '--property=Timezone', '--value'])).trim();
    if (current !== s.plan.timezone) {
      await s.change(`time zone ${current} → ${s.plan.timezone}`, () => checked(s, ['timedatectl', 'set-timezone', s.plan.timezone!]));
    }
  }
  for (const name of ENTERPRISE) {
    const path = `${SOURCES}/${name}`;
    const text = await readHostFile(s.run, path);
    if (text?.includes('enterprise.proxmox.com')) {
      await s.change(`disable ${path} (enterprise repository, needs a subscription)`, () => checked(s, ['mv', path, `${path}.disabled`]));
    }
  }
  const release = (await readHostFile(s.run, '/etc/os-release')) ?? '';
  const suite = /^VERSION_CODENAME=(\w+)$/m.exec(release)?.[1] ?? 'trixie';
  await ensureHostFile(s, `${SOURCES}/proxmox.sources`, noSubscription(suite), `add the pve-no-subscription repository (${suite})`);

  const query = await s.run.exec(['dpkg-query', '-W', '-f=${Package} ${db:Status-Status}\\n', ...s.plan.packages]);
  const installed = new Set(
    query.stdout
      .split('\n')
      .map((l) => l.split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name),
  );
  const missing = s.plan.packages.filter((p) => !installed.has(p));
  if (missing.length > 0) {
    await s.change(`install ${missing.join(', ')}`, async () => {
      // No debconf questions and no prompts about changed config files: nobody is there to answer.
      const apt = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];
      await checked(s, [...apt, 'update']);
      await checked(s, [...apt, 'install', '-y', '--no-install-recommends', ...missing], { timeoutMs: 30 * 60_000 });
    });
  }
};
