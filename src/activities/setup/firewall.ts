/**
 * Step 10, the Proxmox firewall's cluster options (`/etc/pve/firewall/cluster.fw`, [OPTIONS]):
 * enabled or not, and the default input and output policies. Rules and other sections of the file
 * are kept as they are. (The original read these settings from the wrong place and so always
 * stopped the firewall.)
 */
import { ensureHostFile, readHostFile, type SetupStep } from './step-run';

const CLUSTER_FW = '/etc/pve/firewall/cluster.fw';

/** The file with the [OPTIONS] keys set; other sections and keys are untouched. */
export function withFirewallOptions(text: string, options: Record<string, string>): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let start = lines.findIndex((l) => l.trim().toUpperCase() === '[OPTIONS]');
  if (start < 0) {
    lines.unshift('[OPTIONS]', '');
    start = 0;
  }
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end).filter((l) => !(l.split(':')[0]!.trim() in options));
  const body = [...Object.entries(options).map(([k, v]) => `${k}: ${v}`), ...section.filter((l, i, all) => !(l.trim() === '' && i === all.length - 1))];
  return [...lines.slice(0, start + 1), ...body, '', ...lines.slice(end)].join('\n').replace(/\n*$/, '\n');
}

export const firewall: SetupStep = async (s) => {
  const want = s.plan.firewall;
  if (!want) return;
  const options: Record<string, string> = { enable: want.enabled ? '1' : '0' };
  if (want.policyIn) options.policy_in = want.policyIn;
  if (want.policyOut) options.policy_out = want.policyOut;
  const current = (await readHostFile(s.run, CLUSTER_FW)) ?? '';
  const currentOptions = Object.fromEntries(
    current.split('\n').filter((l) => /^\s*\w+\s*:/.test(l)).map((l) => [l.split(':')[0]!.trim(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  const differing = Object.entries(options).filter(([k, v]) => currentOptions[k] !== v);
  if (differing.length === 0) return;
  await ensureHostFile(s, CLUSTER_FW, withFirewallOptions(current, options), `firewall ${differing.map(([k, v]) => `${k}: ${v}`).join(', ')}`);
};
