/**
 * `phoenix-client cancel <ID...>`: requests cancellation of the guest's running provisioning.
 * The running step stops at its next heartbeat; what was done stays done (every step is
 * idempotent, so a later `start` resumes from the live state).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig, resolveGuest } from '../../config';
import { connectClient } from '../../temporal/connection';
import { defineCommand } from '../command';
import { workflowIdFor } from '../runs/guest-runs';
import { TEMPORAL_HELP } from '../runs/temporal-options';
import { CONFIG_DIR_HELP, configDirArg, configDirOption, guestIdArgs } from '../shared-options';

export interface CancelOptions {
  readonly configDir: string;
  readonly ids: readonly number[];
}

export async function cancel(options: CancelOptions): Promise<Array<{ workflowId: string; cancelled: boolean }>> {
  const { config } = await loadConfig(options.configDir);
  const guests = options.ids.map((id) => resolveGuest(config, id));
  const client = await connectClient();
  try {
    return await Promise.all(
      guests.map(async (guest) => {
        const workflowId = workflowIdFor(guest);
        try {
          const handle = client.workflow.getHandle(workflowId);
          if ((await handle.describe()).status.name !== 'RUNNING') return { workflowId, cancelled: false };
          await handle.cancel();
          return { workflowId, cancelled: true };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return { workflowId, cancelled: false };
          throw err;
        }
      }),
    );
  } finally {
    await client.connection.close();
  }
}

export const cancelCommand = defineCommand<CancelOptions, Array<{ workflowId: string; cancelled: boolean }>>({
  name: 'cancel',
  summary: "cancel a guest's running provisioning",
  help: ['Usage: phoenix-client cancel <ID...> [--config-dir DIR]', '', 'Options:', CONFIG_DIR_HELP, '', TEMPORAL_HELP].join('\n'),
  options: { ...configDirOption },
  allowPositionals: true,
  parse: (args, env) => ({ configDir: configDirArg(args, env), ids: guestIdArgs(args, 'cancel') }),
  run: cancel,
  render(result, _options, output) {
    for (const r of result) output.out(`${r.workflowId}: ${r.cancelled ? 'cancellation requested' : 'not running'}`);
  },
});
