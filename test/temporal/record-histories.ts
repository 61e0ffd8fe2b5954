/**
 * Refreshes every recorded history in test/temporal/histories/ from real runs: a whole stack
 * (dev server, phoenix-sim, the built phoenix-worker, phoenix-client as a command) runs the
 * scenarios below, and each run's history is written as <name>.binpb.
 *
 *   npm run build && npx tsx test/temporal/record-histories.ts [--suffix NAME] [--only TITLE-PART] [--cluster]
 *
 * Run it from the code whose histories you want to keep replaying: the replay test
 * (replay.test.ts) then proves that the current workflows still replay every one of them. When a
 * workflow changes behind `patched()`, keep the old files (they are what runs in flight look
 * like) and add new ones with a new name rather than overwriting them.
 *
 * Scenarios: the LXC chain (900 from an ostemplate, 901 with the GPU feature, 920, the leaf
 * 950), a VM template with cloud-init and its clone (8000, 8001), `up --all` (with a guest that
 * fails), a template rebuild, every lifecycle verb, `plan`'s live inspection, a provisioning run
 * cancelled during a guest job, an `up` cancelled while its child runs, and two clones of one
 * template through its clone lock (`cloneLock`; since clone-lock-grants-ahead the second is granted
 * ahead of the first's release: record it with `--only 'clone slots' --suffix grants-ahead`; since
 * clone-lock-update-window with `--suffix update-window`), and two of unequal clone priority.
 * (clone-lock-continued-with-successor.binpb is not from here: the first run of the lock in
 * clone-lock.test.ts's continue-as-new test, written with record-history.ts's writeHistory. Nor
 * are clone-lock-granted-before-task-pve-made.binpb and -holder-gave-up.binpb: the locks of its two
 * tests of a successor granted before the holder's task (clone-lock-grants-before-task), which
 * these scenarios reach only by chance, as the holder usually reports its task first; nor
 * clone-lock-promotes-on-task.binpb, the lock of its test of a successor promoted on its task.
 * Nor phoenix-up-two-templates-end-in-one-task-per-event.binpb: a run of the reliability suite's
 * storm that a query split across two activations (docs/architecture.md, "Versioning"), cut before
 * its failure, with the up-decides-per-event marker added to its first task by hand.)
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { joinSimCluster } from '../../scripts/lib/sim-cluster';
import { startStack, type CliResult, type Stack } from '../../scripts/lib/stack';
import { upWorkflowId } from '../../src/cli/commands/up';
import { configCopy, temporalClient, TIME_SCALE, waitFor } from '../e2e/helpers';
import { writeHistory } from './record-history';

interface Recorder {
  stack: Stack;
  client: Client;
  written: string[];
  record(workflowId: string, name: string): Promise<void>;
}

async function cli(stack: Stack, args: string[], expectCode = 0): Promise<CliResult> {
  const run = await stack.cli(args);
  if (run.code !== expectCode) throw new Error(`phoenix-client ${args.join(' ')} exited ${run.code}, expected ${expectCode}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

async function closed(client: Client, workflowId: string): Promise<string> {
  return waitFor(`${workflowId} to close`, async () => {
    const status = (await client.workflow.getHandle(workflowId).describe()).status.name;
    return status === 'RUNNING' ? undefined : status;
  }, 180_000, 500);
}

async function lastSeq(stack: Stack): Promise<number> {
  return (await stack.ledger()).at(-1)?.seq ?? 0;
}

async function jobStarted(stack: Stack, vmid: number, suffix: RegExp, after: number): Promise<void> {
  await waitFor(`a job matching ${suffix} to start in ${vmid}`, async () =>
    (await stack.ledger()).find((e) => e.seq > after && e.kind === 'job.start' && e.vmid === vmid && suffix.test(String(e.details?.jobId))), 180_000, 250);
}

/** `up IDS` as phoenix-up-record-NAME, then its history (phoenix-up-NAME) and the given runs' ones. */
async function upAndRecord(r: Recorder, ids: string[], name: string, runs: Array<[workflowId: string, history: string]>): Promise<void> {
  await cli(r.stack, ['up', ...ids, '--workflow-id', `phoenix-up-record-${name}`]);
  await r.record(`phoenix-up-record-${name}`, `phoenix-up-${name}`);
  for (const [workflowId, history] of runs) await r.record(workflowId, history);
}

const scenarios: Array<{ title: string; cluster?: true; run(r: Recorder): Promise<void> }> = [
  {
    title: 'up on 3 nodes: placement, a per-node copy of the template chain',
    cluster: true,
    async run(r) {
      await cli(r.stack, ['up', '950', '952', '955']);
      await r.record(upWorkflowId([950, 952, 955]), 'phoenix-up-3-nodes');
      await r.record('phoenix-lxc-200900', 'provision-lxc-900-copy-on-pve2');
    },
  },
  {
    title: 'LXC chain: start 950 builds 900, 901, 920, then 950',
    async run(r) {
      await cli(r.stack, ['start', '950']);
      await r.record('phoenix-lxc-900', 'provision-lxc-900-ostemplate');
      await r.record('phoenix-lxc-901', 'provision-lxc-901-gpu-template');
      await r.record('phoenix-lxc-920', 'provision-lxc-920-template');
      await r.record('phoenix-lxc-950', 'provision-lxc-950-leaf');
    },
  },
  {
    title: 'VM with cloud-init: start 8001 builds the template 8000, then clones 8001',
    async run(r) {
      await cli(r.stack, ['start', '8001']);
      await r.record('phoenix-vm-8000', 'provision-vm-8000-template');
      await r.record('phoenix-vm-8001', 'provision-vm-8001-clone');
    },
  },
  {
    title: 'plan with the live state (inspectGuests)',
    async run(r) {
      await r.client.workflow.execute('inspectGuests', { workflowId: 'phoenix-plan-record', taskQueue: r.stack.taskQueue, args: [{ guests: [{ kind: 'lxc', id: 950 }, { kind: 'vm', id: 8001 }] }] });
      await r.record('phoenix-plan-record', 'inspect-guests');
    },
  },
  {
    title: 'up --all: the rest of the fleet, 905 fails (a storage the host lacks)',
    async run(r) {
      await cli(r.stack, ['up', '--all', '--workflow-id', 'phoenix-up-record-all'], 1);
      await r.record('phoenix-up-record-all', 'phoenix-up-all');
      await r.record('phoenix-lxc-952', 'provision-lxc-952-child-of-up');
      await r.record('phoenix-lxc-905', 'provision-lxc-905-failed');
    },
  },
  {
    title: 'rebuild of templates 900 and 901',
    async run(r) {
      await r.client.workflow.execute('rebuildTemplates', { workflowId: 'phoenix-rebuild-record', taskQueue: r.stack.taskQueue, args: [{ templates: [901, 900], refreshSnapshot: 'always' }] });
      await r.record('phoenix-rebuild-record', 'rebuild-templates');
    },
  },
  {
    title: 'lifecycle verbs: stop, restart, reconfigure, delete',
    async run(r) {
      await cli(r.stack, ['stop', '952']);
      await r.record('phoenix-stop-lxc-952', 'guest-lifecycle-stop');
      await cli(r.stack, ['restart', '952']);
      await r.record('phoenix-restart-lxc-952', 'guest-lifecycle-restart');
      await cli(r.stack, ['reconfigure', '902']);
      await r.record('phoenix-reconfigure-lxc-902', 'guest-lifecycle-reconfigure');
      await cli(r.stack, ['delete', '955', '--yes']);
      await r.record('phoenix-delete-lxc-955', 'guest-lifecycle-delete');
    },
  },
  {
    title: 'a provisioning run cancelled during its feature job',
    async run(r) {
      const mark = await lastSeq(r.stack);
      await cli(r.stack, ['start', '955', '--detach']);
      await jobStarted(r.stack, 955, /feature-ollama$/, mark);
      await cli(r.stack, ['cancel', '955']);
      await closed(r.client, 'phoenix-lxc-955');
      await r.record('phoenix-lxc-955', 'provision-lxc-955-cancelled');
    },
  },
  {
    title: 'clone slots: up 901 902, two clones of 900 through its clone lock',
    run: (r) =>
      // The lock is still open (it closes after a while idle): the history so far replays all the same.
      upAndRecord(r, ['901', '902'], 'clone-slots', [['phoenix-lxc-901', 'provision-lxc-901-clone-slot'], ['phoenix-lxc-902', 'provision-lxc-902-clone-slot'], ['phoenix-clone-lock-pve-900', 'clone-lock-900']]),
  },
  {
    title: 'clone priority: up 950 952, the clone of 901 (two guests after it) before that of 902 (one)',
    run: (r) => upAndRecord(r, ['950', '952'], 'clone-priority', [['phoenix-lxc-901', 'provision-lxc-901-clone-priority'], ['phoenix-clone-lock-pve-900', 'clone-lock-900-priority']]),
  },
  {
    title: 'an up cancelled while its child runs a feature job',
    async run(r) {
      await cli(r.stack, ['delete', '952', '--yes']);
      const mark = await lastSeq(r.stack);
      const up = r.stack.cli(['up', '952', '--workflow-id', 'phoenix-up-record-cancelled']);
      await jobStarted(r.stack, 952, /feature-qdrant$/, mark);
      await r.client.workflow.getHandle('phoenix-up-record-cancelled').cancel();
      await up;
      await closed(r.client, 'phoenix-up-record-cancelled');
      await closed(r.client, 'phoenix-lxc-952').catch(() => undefined);
      await r.record('phoenix-up-record-cancelled', 'phoenix-up-cancelled');
    },
  },
];

async function main(): Promise<void> {
  // --suffix NAME records under <name>-NAME, beside the histories of older code (keep those).
  // --cluster runs the scenarios that need a 3-node simulator (and only those).
  const { values } = parseArgs({ options: { only: { type: 'string' }, suffix: { type: 'string' }, cluster: { type: 'boolean' } } });
  const suffix = values.suffix ? `-${values.suffix}` : '';
  // 905: like 900, but on a storage the host lacks: the failed run.
  const config = configCopy(({ lxc }) => {
    const base = lxc.lxc_configs['900'];
    lxc.lxc_configs['905'] = { ...base, name: 'bad-storage', storage_pool: 'nosuchpool', mac_address: '52:54:00:AA:BB:05', network_config: { ...base.network_config, ip: '10.0.0.205/24' } };
    delete lxc.lxc_configs['905'].template_snapshot_name;
  });
  const stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir, ...(values.cluster ? { simArgs: ['--nodes', 'pve1,pve2,pve3'] } : {}) });
  let client: Client | undefined;
  try {
    if (values.cluster) joinSimCluster(config.dir, stack.sim.env, { gpus: [{ index: 0 }] });
    await stack.startWorker();
    client = await temporalClient(stack);
    const c = client;
    const recorder: Recorder = {
      stack,
      client: c,
      written: [],
      async record(workflowId, name) {
        this.written.push(await writeHistory(c, workflowId, `${name}${suffix}`));
      },
    };
    for (const scenario of scenarios) {
      if (values.only && !scenario.title.includes(values.only)) continue;
      if (!!scenario.cluster !== !!values.cluster) continue;
      const began = Date.now();
      await scenario.run(recorder);
      console.log(`✔ ${scenario.title} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    }
    for (const file of recorder.written) console.log(`wrote ${file}`);
  } finally {
    await client?.connection.close();
    await stack.stop();
    config.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
