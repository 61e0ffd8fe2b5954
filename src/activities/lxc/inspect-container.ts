/**
 * The live half of `phoenix-client plan`: reads a container's live state and lists what each
 * step would change, without changing anything. Uses the same desired-state definitions as
 * the steps themselves (desired-config.ts, the composed feature scripts and their hashes).
 */
import type { GuestInspection, PendingChange } from '../../shared/inspection';
import type { LxcPlan } from '../../shared/lxc-plan';
import { diffLxcConfig } from '../../proxmox/lxc-settings';
import { MOUNT_FORMAT, parsePropertyString } from '../../proxmox/property-strings';
import { ensureLxcConfLinesInText } from '../../ssh/lxc-conf';
import { classified } from '../common/classify';
import { appliedMarker, composeScript } from '../common/guest-scripts';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';
import { desiredLxcConfig, desiredLxcLines, SINGLE_VALUED_LXC_KEYS } from './desired-config';

export function createInspectContainer(deps: ProvisioningDeps) {
  return async function inspectContainer(plan: LxcPlan): Promise<GuestInspection> {
    return classified('inspect the live state', `CT ${plan.ctid} (${plan.hostname}) on ${plan.node}`, async () => {
      const pve = await deps.pve();
      const ct = pve.node(plan.node).lxc(plan.ctid);
      const changes: PendingChange[] = [];
      const presence = await ct.presence();
      if (presence.state === 'absent') {
        const how = plan.source.kind === 'clone' ? `clone ${plan.source.parentCtid}@${plan.source.parentSnapshot}` : `create from ${plan.source.ostemplate}`;
        changes.push({ step: 'ensure_container_defined', change: how }, { step: 'all later steps', change: 'run on the new container' });
        return { kind: 'lxc', id: plan.ctid, state: 'absent', changes, ...where(plan) };
      }
      if (presence.state === 'creating') {
        return { kind: 'lxc', id: plan.ctid, state: 'creating', changes: [{ step: 'ensure_container_defined', change: `finish the ${presence.lock} in progress` }], ...where(plan) };
      }
      const live = presence.config;
      const diff = diffLxcConfig(live, desiredLxcConfig(plan, live));
      for (const [key, value] of Object.entries({ ...diff.api, ...diff.rootOnly })) {
        changes.push({ step: 'apply_configurations', change: `${key}: ${live[key] === undefined ? '(unset)' : String(live[key])} → ${value}` });
      }
      const running = (await ct.status()).status === 'running';
      await deps.withHost(async (host) => {
        const conf = await host.pct.readLxcConf(plan.ctid);
        const lines = ensureLxcConfLinesInText(conf, desiredLxcLines(plan), SINGLE_VALUED_LXC_KEYS);
        if (lines.changed) {
          const present = new Set(conf.split('\n').map((l) => l.trim()));
          for (const line of desiredLxcLines(plan)) if (!present.has(line)) changes.push({ step: 'apply_configurations', change: `add ${line}` });
        }
        const mounted = new Set(
          Object.entries(live).filter(([k]) => /^mp\d+$/.test(k)).map(([, v]) => parsePropertyString(String(v), MOUNT_FORMAT).mp),
        );
        for (const v of plan.sharedVolumes) if (!mounted.has(v.mountPath)) changes.push({ step: 'apply_shared_volumes', change: `mount ${v.hostPath} at ${v.mountPath}` });
        if (!running) changes.push({ step: 'start_container', change: 'start' });
        for (const feature of plan.features) {
          const script = await composeScript(deps.scriptsRoot, 'features/lxc', feature.name, feature.env, `Phoenix feature ${feature.name} for CT ${plan.ctid}`);
          const state = await scriptState(host, plan.ctid, running, appliedMarker('feature', feature.name), script.sha256);
          if (state) changes.push({ step: `apply_features:${feature.name}`, change: state });
        }
        if (plan.application) {
          const { script: file, env } = plan.application;
          const script = await composeScript(deps.scriptsRoot, 'apps', file, env, `Phoenix application ${file} for CT ${plan.ctid}`);
          const state = await scriptState(host, plan.ctid, running, appliedMarker('app', file.replace(/\.sh$/, '')), script.sha256);
          if (state) changes.push({ step: 'run_application_script', change: state });
        }
      }, undefined, plan.node);
      const snapshots = (await ct.snapshots()).map((s) => s.name);
      if (plan.reconfigureSnapshot && !snapshots.includes(plan.reconfigureSnapshot)) {
        changes.push({ step: 'create_pre_configured_snapshot', change: `take '${plan.reconfigureSnapshot}'` });
      }
      if (plan.templateSnapshot && !snapshots.includes(plan.templateSnapshot)) {
        changes.push({ step: 'create_template_snapshot', change: `take '${plan.templateSnapshot}'` });
      }
      return { kind: 'lxc', id: plan.ctid, state: running ? 'running' : 'stopped', changes, ...where(plan) };
    });
  };
}

/** Why a script would run, or undefined when its recorded hash matches (up to date). */
async function scriptState(host: HostSession, ctid: number, running: boolean, marker: string, sha256: string): Promise<string | undefined> {
  if (!running) return 'run if changed (the container is stopped: its record cannot be read)';
  const recorded = await host.pct.pctExec(ctid, ['cat', marker], { idempotent: true });
  if (recorded.code !== 0) return 'run (never applied)';
  return recorded.stdout.trim() === sha256 ? undefined : 'run (script or its inputs changed)';
}

/** The node the plan chose and the route of its clone source (plan's live half). */
function where(plan: LxcPlan): Pick<GuestInspection, 'node' | 'route'> {
  if (plan.source.kind !== 'clone' || plan.source.route === undefined) return { node: plan.node };
  const { route, parentCtid, parentNode, parentCopyOf } = plan.source;
  const text =
    route === 'local-template' ? `local template ${parentCtid} on ${plan.node}`
    : route === 'clone-with-target' ? `clone of ${parentCtid} on ${parentNode} with target ${plan.node} (shared storage)`
    : `per-node chain copy: clones ${parentCtid}, the copy of template ${parentCopyOf} built on ${plan.node} (its storage is not shared)`;
  return { node: plan.node, route: text };
}
