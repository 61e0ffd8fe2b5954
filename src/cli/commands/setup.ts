/**
 * `phoenix-client setup [--node NAME] [--wipe-disks --yes]`: prepares the Proxmox host from the
 * hypervisor file (pools, storages, VFIO, NVIDIA driver with its reboot, firewall, NFS, Samba,
 * users, AppArmor, idmap) as the durable workflow `phoenix-setup-<node>`, and follows it step by
 * step. A setup already running for the node is joined, not raced.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Env } from '../../config';
import { PhoenixId, PhoenixKind } from '../../shared/search-attributes';
import { setupProgressQuery, setupWorkflowId, type SetupInput, type SetupResult } from '../../shared/setup';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { UsageError } from '../errors';
import { startedByThisCall, webUiUrl } from '../runs/guest-runs';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, progressOnStderr, type ConfigJsonTemporalOptions } from '../shared-options';

export interface SetupOptions extends ConfigJsonTemporalOptions {
  readonly node?: string;
  readonly wipeDisks: boolean;
  readonly detach: boolean;
  readonly progress: (line: string) => void;
}

export interface SetupRunResult {
  workflowId: string;
  runId: string;
  attached: boolean;
  webUi: string;
  result?: SetupResult;
}

export class SetupFailed extends Error {
  override name = 'SetupFailed';
}

/** The node whose setup this is: --node, else PHOENIX_PVE_NODE, else the hypervisor file's proxmox.node. */
export function setupNode(explicit: string | undefined, env: Env, configured: string | undefined): string {
  return explicit ?? env.PHOENIX_PVE_NODE?.trim() ?? configured ?? 'pve';
}

export async function setup(options: SetupOptions, env: Env = process.env): Promise<SetupRunResult> {
  const { config } = await loadConfig(options.configDir); // invalid config: exit 2, nothing started
  const node = setupNode(options.node, env, config.hypervisor.proxmox?.node);
  let workflowId: string;
  try {
    workflowId = setupWorkflowId(node);
  } catch (err) {
    throw new UsageError((err as Error).message, 'setup');
  }
  const client = await connectClient();
  try {
    const calledAt = Date.now();
    const input: SetupInput = { node, wipeDisks: options.wipeDisks };
    const handle = await client.workflow.start('setupHypervisor', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: PhoenixId, value: node },
        { key: PhoenixKind, value: 'setup' },
      ],
      staticSummary: `Setup of host ${node}${options.wipeDisks ? ' (may wipe disks)' : ''}`,
    });
    const description = await handle.describe();
    const attached = !startedByThisCall(description.startTime, calledAt);
    const run: SetupRunResult = { workflowId, runId: description.runId, attached, webUi: webUiUrl(options.uiUrl, client.options.namespace, workflowId, description.runId) };
    options.progress(`${attached ? 'attached to the setup in progress' : 'started'} ${workflowId}: ${run.webUi}`);
    if (attached && options.wipeDisks) options.progress('note: the run in progress keeps its own --wipe-disks setting');
    if (options.detach) return run;
    return { ...run, result: await followSetup(handle, options.progress) };
  } finally {
    await client.connection.close();
  }
}

async function followSetup(handle: WorkflowHandle, print: (line: string) => void): Promise<SetupResult> {
  const seen = new Map<string, string>();
  let done = false;
  const result = handle.result().finally(() => (done = true)) as Promise<SetupResult>;
  result.catch(() => undefined);
  const poll = async () => {
    const progress = await handle.query(setupProgressQuery).catch(() => undefined);
    for (const step of progress?.steps ?? []) {
      if (step.state === 'pending' || seen.get(step.name) === step.state) continue;
      seen.set(step.name, step.state);
      const text = step.error ?? step.summary;
      print(`  ${step.state.padEnd(8)} ${step.name}${text && step.state !== 'running' ? `: ${text}` : ''}`);
    }
  };
  while (!done) {
    await poll();
    let pause: NodeJS.Timeout | undefined; // cleared when the run closes, so the process exits at once
    await Promise.race([result.catch(() => undefined), new Promise((r) => (pause = setTimeout(r, 1000)))]);
    clearTimeout(pause);
  }
  await poll();
  try {
    return await result;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : (err as Error).message;
    throw new SetupFailed(cause);
  }
}

export const setupCommand = defineCommand<SetupOptions, SetupRunResult>({
  name: 'setup',
  summary: 'prepare the Proxmox host from the hypervisor file (pools, storages, GPU driver with its reboot, shares, users)',
  help: [
    'Usage: phoenix-client setup [--node NAME] [--wipe-disks --yes] [--detach] [--config-dir DIR] [--json]',
    '',
    'Starts phoenix-setup-<node> (or joins the one in progress) and follows it. Each step reads the',
    "host and changes only what differs from the hypervisor file, in the original Phoenix's order:",
    'initial settings, ZFS pools and datasets, Proxmox storages, VFIO (only GPUs marked for VM',
    'passthrough), the NVIDIA driver, a reboot when the driver or kernel command line needs one',
    '(waited for, then nvidia-smi verified), GPU init, firewall, NFS exports, users, Samba, AppArmor',
    'and the root idmap. Running it again changes nothing. `phoenix-client plan --setup` shows what',
    'it would change.',
    '',
    'A pool is never created on disks that hold data: setup refuses, naming what is on each disk,',
    'and changes nothing, unless --wipe-disks --yes is given.',
    '',
    'Passwords come from the worker, never from the config: PHOENIX_SAMBA_PASSWORD_<USER> (or',
    '..._FILE) for the Samba account, PHOENIX_USER_PASSWORD_<USER> (or ..._FILE) for the admin user',
    'when the config has no password_hash.',
    '',
    'Options:',
    '  --node NAME        the node to set up (default: PHOENIX_PVE_NODE, else proxmox.node, else pve)',
    '  --wipe-disks       allow erasing disks that hold data to create the configured pools',
    '  --yes              confirms --wipe-disks',
    '  --detach           start (or join) and return at once',
    ...CONFIG_JSON_TEMPORAL_HELP,
  ].join('\n'),
  options: {
    ...configJsonOptions,
    node: { type: 'string' },
    'wipe-disks': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    detach: { type: 'boolean', default: false },
  },
  allowPositionals: false,
  parse: (args, env) => {
    const wipeDisks = args.values['wipe-disks'] === true;
    if (wipeDisks && args.values['yes'] !== true) throw new UsageError('--wipe-disks erases every disk of the configured pools that holds data: add --yes to confirm', 'setup');
    if (!wipeDisks && args.values['yes'] === true) throw new UsageError('--yes only confirms --wipe-disks', 'setup');
    const node = args.values['node'];
    return {
      ...configJsonTemporalArgs(args, env),
      ...(typeof node === 'string' ? { node } : {}),
      wipeDisks,
      detach: args.values['detach'] === true,
      progress: progressOnStderr().progress,
    };
  },
  run: (options) => setup(options),
  render(result, options, output) {
    if (options.json) {
      output.out(JSON.stringify(result, null, 2));
      return;
    }
    if (!result.result) {
      output.out(`${result.workflowId} ${result.attached ? 'attached' : 'started'} (run ${result.runId})`);
      return;
    }
    const changed = result.result.steps.filter((s) => s.changed);
    output.out(`host ${result.result.node} set up: ${changed.length === 0 ? 'nothing changed' : `${changed.length} step(s) changed something (${changed.map((s) => s.name).join(', ')})`}`);
  },
});
