/** `phoenix-client status <ID>`: the guest's latest provisioning run, its steps, and what the running step is doing. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadConfig, resolveGuest } from '../../config';
import { progressQuery, type GuestProgress } from '../../shared/progress';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { webUiUrl, workflowIdFor } from '../runs/guest-runs';
import { CONFIG_JSON_TEMPORAL_HELP, configJsonOptions, configJsonTemporalArgs, guestIdArgs, type ConfigJsonTemporalOptions } from '../shared-options';

export interface StatusOptions extends ConfigJsonTemporalOptions {
  readonly ids: readonly number[];
}

export interface GuestStatus {
  id: number;
  workflowId: string;
  runId?: string;
  /** RUNNING, COMPLETED, FAILED, ... or NOT_FOUND when Phoenix never ran it (or history expired). */
  status: string;
  startTime?: string;
  closeTime?: string;
  webUi?: string;
  progress?: GuestProgress;
  /** What the running step last reported (job log tail, task state). */
  live?: { state?: string; logTail?: string };
}

export async function status(options: StatusOptions): Promise<GuestStatus[]> {
  const { config } = await loadConfig(options.configDir);
  const guests = options.ids.map((id) => resolveGuest(config, id));
  const client = await connectClient();
  try {
    return await Promise.all(
      guests.map(async (guest): Promise<GuestStatus> => {
        const workflowId = workflowIdFor(guest);
        const handle = client.workflow.getHandle(workflowId);
        try {
          const d = await handle.describe();
          const progress = await handle.query(progressQuery).catch(() => undefined);
          const payload = d.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
          const live = payload ? defaultPayloadConverter.fromPayload<{ state?: string; logTail?: string }>(payload) : undefined;
          return {
            id: guest.id,
            workflowId,
            runId: d.runId,
            status: d.status.name,
            startTime: d.startTime.toISOString(),
            ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}),
            webUi: webUiUrl(options.uiUrl, client.options.namespace, workflowId, d.runId),
            ...(progress ? { progress } : {}),
            ...(live ? { live: { ...(live.state ? { state: live.state } : {}), ...(live.logTail ? { logTail: live.logTail } : {}) } } : {}),
          };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { id: guest.id, workflowId, status: 'NOT_FOUND' };
          throw err;
        }
      }),
    );
  } finally {
    await client.connection.close();
  }
}

export const statusCommand = defineCommand<StatusOptions, GuestStatus[]>({
  name: 'status',
  summary: "show a guest's latest provisioning run and its steps",
  help: ['Usage: phoenix-client status <ID...> [--config-dir DIR] [--json]', '', 'Options:', ...CONFIG_JSON_TEMPORAL_HELP].join('\n'),
  options: configJsonOptions,
  allowPositionals: true,
  parse: (args, env) => ({ ...configJsonTemporalArgs(args, env), ids: guestIdArgs(args, 'status') }),
  run: status,
  render(result, options, output) {
    if (options.json) return output.out(JSON.stringify(result, null, 2));
    for (const s of result) {
      output.out(`${s.workflowId}: ${s.status}${s.startTime ? ` (started ${s.startTime}${s.closeTime ? `, closed ${s.closeTime}` : ''})` : ''}`);
      if (s.webUi) output.out(`  ${s.webUi}`);
      for (const step of s.progress?.steps ?? []) {
        output.out(`  ${step.state.padEnd(8)} ${step.name}${step.error ?? step.summary ? ` — ${step.error ?? step.summary}` : ''}`);
      }
      if (s.live?.state) output.out(`  now: ${s.live.state}`);
      if (s.live?.logTail) for (const line of s.live.logTail.trim().split('\n').slice(-10)) output.out(`  | ${line}`);
    }
  },
});
