/**
 * The hypervisor setup steps, one activity each, in the original's order; `inspectSetup` runs
 * them all read-only for `plan --setup`.
 */
import type { SetupInspection, SetupSettings, SetupStepInput, SetupStepName, SetupStepOutcome } from '../../shared/setup';
import { classified } from '../common/classify';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { apparmor } from './apparmor';
import { firewall } from './firewall';
import { gpuInit } from './gpu-init';
import { idmap } from './idmap';
import { initialSettings } from './initial-settings';
import { nfsExports } from './nfs-exports';
import { nvidiaDriver } from './nvidia-driver';
import { proxmoxStorages } from './proxmox-storages';
import { createRebootHost, createRebootNeeds, rebootReasons } from './reboot';
import { samba } from './samba';
import { runStep, type SetupStep } from './step-run';
import { users } from './users';
import { verifyDriver } from './verify-driver';
import { vfio } from './vfio';
import { zfsDatasets } from './zfs-datasets';
import { zfsPools } from './zfs-pools';

type Env = Readonly<Record<string, string | undefined>>;

/** Every step but the reboot, which is its own pair of activities. */
export const SETUP_STEP_BODIES: Record<Exclude<SetupStepName, 'reboot'>, SetupStep> = {
  initial_settings: initialSettings,
  zfs_pools: zfsPools,
  zfs_datasets: zfsDatasets,
  proxmox_storages: proxmoxStorages,
  vfio,
  nvidia_driver: nvidiaDriver,
  verify_driver: verifyDriver,
  gpu_init: gpuInit,
  firewall,
  nfs_exports: nfsExports,
  users,
  samba,
  apparmor,
  idmap,
};

const DEFAULT_REBOOT_TIMEOUT_MIN = 20;

export function createSetupActivities(deps: ProvisioningDeps, env: Env = process.env) {
  const step = (name: Exclude<SetupStepName, 'reboot'>) => (input: SetupStepInput): Promise<SetupStepOutcome> => runStep(deps, env, name, SETUP_STEP_BODIES[name], input);
  return {
    async loadSetupSettings(): Promise<SetupSettings> {
      return classified('load the setup settings', 'hypervisor', async () => {
        const config = await deps.loadConfig();
        const node = (await deps.connection()).api.node;
        const minutes = config.hypervisor.setup?.reboot_timeout_minutes ?? DEFAULT_REBOOT_TIMEOUT_MIN;
        return { node, rebootTimeoutMs: minutes * 60_000, ...(deps.heartbeatTimeout ? { heartbeatTimeout: deps.heartbeatTimeout } : {}) };
      });
    },
    setupInitialSettings: step('initial_settings'),
    setupZfsPools: step('zfs_pools'),
    setupZfsDatasets: step('zfs_datasets'),
    setupProxmoxStorages: step('proxmox_storages'),
    setupVfio: step('vfio'),
    setupNvidiaDriver: step('nvidia_driver'),
    setupVerifyDriver: step('verify_driver'),
    setupGpuInit: step('gpu_init'),
    setupFirewall: step('firewall'),
    setupNfsExports: step('nfs_exports'),
    setupUsers: step('users'),
    setupSamba: step('samba'),
    setupApparmor: step('apparmor'),
    setupIdmap: step('idmap'),
    rebootNeeds: createRebootNeeds(deps),
    rebootHost: createRebootHost(deps),
    /** Read-only: what each step would change now (plan --setup). */
    async inspectSetup(input: { wipeDisks: boolean }): Promise<SetupInspection> {
      const node = (await deps.connection()).api.node;
      const changes: SetupInspection['changes'] = [];
      for (const [name, body] of Object.entries(SETUP_STEP_BODIES) as Array<[Exclude<SetupStepName, 'reboot'>, SetupStep]>) {
        if (name === 'verify_driver') continue; // reads a driver that only a run's reboot loads
        const outcome = await runStep(deps, env, name, body, { apply: false, wipeDisks: input.wipeDisks });
        changes.push(...outcome.changes.map((change) => ({ step: name, change })));
        if (name === 'nvidia_driver') {
          const pending = changes.some((c) => c.step === 'vfio' || c.step === 'nvidia_driver');
          const now = await runStep(deps, env, 'reboot', async (s) => {
            for (const r of await rebootReasons(s.run, s.plan)) s.changes.push(r);
          }, { apply: false, wipeDisks: false });
          const reasons = [...now.changes, ...(pending ? ['to load what the steps above change'] : [])];
          if (reasons.length) changes.push({ step: 'reboot', change: `reboot the host (${reasons.join('; ')})` });
        }
      }
      return { node, changes };
    },
  };
}

export type SetupActivities = ReturnType<typeof createSetupActivities>;
