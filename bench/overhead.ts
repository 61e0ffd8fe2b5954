/**
 * Orchestration cost per activity: `start 950` on a fresh simulator at a zero-duration time
 * scale (every Proxmox task and guest job takes no simulated time, so what remains is Phoenix's
 * own cost: Temporal round trips, polls, SSH and API calls), against a minimal Temporal workflow
 * of the same number of no-op activities on the same dev server.
 *
 *   npm run build && npx tsx bench/overhead.ts
 *
 * Phoenix's figure: for each run of the chain (900, 901, 920, 950), its time from start to close
 * minus its wait for the parent template (that is the parent's run, counted there), over its
 * activities other than that wait. Target: <= 1.5x the minimal workflow's time per activity.
 */
import { loadavg } from 'node:os';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { startStack } from '../scripts/lib/stack';
import { connectClient } from '../src/temporal/connection';
import { writeBenchReport } from './lib/report';

const TARGET_RATIO = 1.5;
const CHAIN = ['phoenix-lxc-900', 'phoenix-lxc-901', 'phoenix-lxc-920', 'phoenix-lxc-950'];
const PARENT_WAIT = 'ensureLxcTemplateReady';
const EventType = temporal.api.enums.v1.EventType;

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function main(): Promise<void> {
  const stack = await startStack({ timeScale: 0 });
  try {
    await stack.startWorker();
    const run = await stack.cli(['start', '950']);
    if (run.code !== 0) throw new Error(`start 950 failed:\n${run.stdout}\n${run.stderr}`);
    const client = await connectClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
    let phoenixMs = 0;
    let activities = 0;
    const perRun: Record<string, { ms: number; activities: number }> = {};
    try {
      for (const workflowId of CHAIN) {
        const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
        const first = ms(events[0]!.eventTime);
        const last = ms(events.at(-1)!.eventTime);
        let waitMs = 0;
        let count = 0;
        const scheduled = new Map<string, { name: string; at: number }>();
        for (const e of events) {
          if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
            scheduled.set(String(e.eventId), { name: e.activityTaskScheduledEventAttributes!.activityType!.name!, at: ms(e.eventTime) });
          } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
            const s = scheduled.get(String(e.activityTaskCompletedEventAttributes!.scheduledEventId));
            if (s?.name === PARENT_WAIT) waitMs += ms(e.eventTime) - s.at;
            else if (s) count++;
          }
        }
        perRun[workflowId] = { ms: last - first - waitMs, activities: count };
        phoenixMs += last - first - waitMs;
        activities += count;
      }

      // The yardstick on the same server: the same number of no-op activities in one workflow.
      const connection = await NativeConnection.connect({ address: stack.temporal.address });
      const taskQueue = `${stack.taskQueue}-noop`;
      const worker = await Worker.create({ connection, namespace: stack.temporal.namespace, taskQueue, workflowsPath: require.resolve('./lib/noop-workflow'), activities: { noop: async () => undefined } });
      const minimalMs = await worker.runUntil(async () => {
        await client.workflow.execute('noopActivities', { taskQueue, workflowId: 'bench-noop-warmup', args: [3] });
        const started = performance.now();
        await client.workflow.execute('noopActivities', { taskQueue, workflowId: 'bench-noop', args: [activities] });
        return performance.now() - started;
      });
      await connection.close();

      const phoenixPer = phoenixMs / activities;
      const minimalPer = minimalMs / activities;
      const ratio = phoenixPer / minimalPer;
      const load = loadavg().map((l) => Number(l.toFixed(2)));
      console.log(`load average ${load.join(' ')}; time scale 0`);
      for (const [id, r] of Object.entries(perRun)) console.log(`  ${id.padEnd(16)} ${r.ms.toFixed(0).padStart(6)} ms over ${r.activities} activities`);
      console.log(`start 950: ${activities} activities, ${phoenixPer.toFixed(1)} ms per activity`);
      console.log(`minimal workflow of ${activities} no-op activities: ${minimalPer.toFixed(1)} ms per activity`);
      console.log(`ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x): ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`);
      await writeBenchReport('overhead', { activities, phoenixMsPerActivity: phoenixPer, minimalMsPerActivity: minimalPer, ratio, perRun, loadAverage: load }, {
        title: 'Orchestration cost per activity: start 950 vs a minimal workflow',
        unit: 'ms per activity',
        bars: [
          { label: 'start 950 (time scale 0)', value: phoenixPer, target: minimalPer * TARGET_RATIO },
          { label: 'minimal no-op workflow', value: minimalPer },
        ],
      });
    } finally {
      await client.connection.close();
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
