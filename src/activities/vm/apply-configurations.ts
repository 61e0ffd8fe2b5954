/**
 * apply_vm_configurations: resources, bridge, boot disk size (grow only) and cloud-init —
 * `ciuser`, `sshkeys`, `ipconfig0`, `nameserver`, and the generated user-data snippet
 * attached with `cicustom` — plus `agent: enabled=1`. Only what differs from the live
 * config is written, compared semantically (property strings parsed, sshkeys decoded).
 *
 * The password hash, if configured, is read from the configuration here and goes only into
 * the snippet on the host: never into the plan, the result or a log line.
 */
import type { GuestConfig } from '../../proxmox/guest-common';
import type { PveParams } from '../../proxmox/transport';
import {
  AGENT_FORMAT,
  CICUSTOM_FORMAT,
  IPCONFIG_FORMAT,
  decodeSshKeys,
  encodeSshKeys,
  formatAgent,
  formatCiCustom,
  formatIpConfig,
  propertyStringsEqual,
} from '../../proxmox/property-strings';
import type { StepOutcome } from '../../shared/progress';
import type { VmPlan } from '../../shared/vm-plan';
import { renderUserData, userDataFileName } from '../../cloudinit/user-data';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeatingProgress } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { growBootDisk } from './disk';
import { composeVmFeatures } from './features';
import { vmLabel } from './label';
import { netWithBridge } from './net';
import { ensureSnippet } from './snippet';

export function createApplyVmConfigurations(deps: ProvisioningDeps) {
  return async function applyVmConfigurations(plan: VmPlan): Promise<StepOutcome> {
    const guest = vmLabel(plan);
    return classified('apply the VM configuration', guest, async () => {
      const userData = renderUserData({
        vmid: plan.vmid,
        hostname: plan.name,
        user: plan.cloudInit.user,
        sshKeys: plan.cloudInit.sshKeys,
        ...(await passwordHashOf(deps, plan)),
        features: (await composeVmFeatures(deps, plan)).map((f) => ({ name: f.name, script: f.text })),
      });
      const snippet = await deps.withHost(
        (host) => ensureSnippet(host, plan.cloudInit.snippetStorage, userDataFileName(plan.vmid), userData),
        cancellation(),
        plan.node,
      );

      const pve = await deps.pve();
      const vm = pve.node(plan.node).qemu(plan.vmid);
      const live = await vm.waitForUnlock({ signal: cancellation(), onProgress: heartbeatingProgress({}) });
      const { changes, deletes } = configDiff(plan, live, snippet.volid);
      const keys = [...Object.keys(changes), ...deletes.map((d) => `-${d}`)];
      if (keys.length) await vm.updateConfig(changes, { delete: deletes, digest: live.digest });

      const grown = await growBootDisk(pve, plan, keys.length ? await vm.config() : live);
      const done = [...(snippet.written ? [`wrote ${snippet.volid}`] : []), ...(keys.length ? [`set ${keys.join(', ')}`] : []), ...(grown ? [grown] : [])];
      return done.length ? { changed: true, summary: done.join('; ') } : { changed: false, summary: 'configuration matches' };
    });
  };
}

async function passwordHashOf(deps: ProvisioningDeps, plan: VmPlan): Promise<{ passwordHash?: string }> {
  const config = await deps.loadConfig();
  const vm = config.vms.find((v) => v.id === plan.vmid);
  if (!vm) throw permanent(`VM ${plan.vmid} is no longer in phoenix_vm_configs.json`, 'PhoenixInvalidConfig');
  const hash = vm.user_config.password_hash;
  return hash ? { passwordHash: hash } : {};
}

/** What to PUT so the live config gives the plan; property strings compared semantically. */
export function configDiff(plan: VmPlan, live: GuestConfig, snippetVolid: string): { changes: PveParams; deletes: string[] } {
  const changes: PveParams = {};
  const deletes: string[] = [];
  const str = (key: string) => (live[key] === undefined || live[key] === null ? undefined : String(live[key]));
  const sameProps = (key: string, desired: string, format: Parameters<typeof propertyStringsEqual>[2]) => {
    const current = str(key);
    return current !== undefined && propertyStringsEqual(current, desired, format);
  };

  if (Number(live.cores ?? 1) !== plan.cores) changes.cores = plan.cores;
  if (Number(live.memory ?? 2048) !== plan.memoryMb) changes.memory = plan.memoryMb;
  const net0 = netWithBridge(str('net0'), plan.bridge);
  if (net0) changes.net0 = net0;

  const ci = plan.cloudInit;
  if (str('ciuser') !== ci.user) changes.ciuser = ci.user;
  const liveKeys = str('sshkeys');
  if (ci.sshKeys.length) {
    const current = liveKeys ? decodeSshKeys(liveKeys) : [];
    if (current.join('\n') !== ci.sshKeys.map((k) => k.trim()).join('\n')) {
      try {
        changes.sshkeys = encodeSshKeys(ci.sshKeys);
      } catch (err) {
        throw permanent(`VM ${plan.vmid}: user_config.ssh_public_key in phoenix_vm_configs.json: ${(err as Error).message}`, 'PhoenixInvalidConfig');
      }
    }
  } else if (liveKeys !== undefined) deletes.push('sshkeys');

  const ipconfig0 = formatIpConfig({ ip: ci.ip, ...(ci.gw && ci.ip !== 'dhcp' ? { gw: ci.gw } : {}) });
  if (!sameProps('ipconfig0', ipconfig0, IPCONFIG_FORMAT)) changes.ipconfig0 = ipconfig0;
  const nameserver = ci.nameservers.join(' ');
  if (nameserver) {
    if ((str('nameserver') ?? '').split(/\s+/).filter(Boolean).join(' ') !== nameserver) changes.nameserver = nameserver;
  } else if (str('nameserver') !== undefined) deletes.push('nameserver');

  const cicustom = formatCiCustom({ user: snippetVolid });
  if (!sameProps('cicustom', cicustom, CICUSTOM_FORMAT)) changes.cicustom = cicustom;
  const agent = formatAgent({ enabled: true });
  if (!sameProps('agent', agent, AGENT_FORMAT)) changes.agent = agent;
  return { changes, deletes };
}
