/**
 * Short commands in the guest through the QEMU guest agent: argv only (no shell unless the
 * argv names one with a fixed script), bounded in time, heartbeating while they run.
 */
import type { AgentExecStatus } from '../../proxmox/agent';
import type { PveClient } from '../../proxmox/client';
import type { VmPlan } from '../../shared/vm-plan';
import { cancellation, heartbeatingProgress } from '../common/heartbeat';

export interface GuestExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function guestExec(
  pve: PveClient,
  plan: Pick<VmPlan, 'node' | 'vmid'>,
  argv: readonly string[],
  opts: { inputData?: string; timeoutMs?: number; pollMs?: number } = {},
): Promise<GuestExecResult> {
  const agent = pve.node(plan.node).agent(plan.vmid);
  const status: AgentExecStatus = await agent.execAndWait(argv, {
    signal: cancellation(),
    onProgress: heartbeatingProgress({}),
    deadline: Date.now() + (opts.timeoutMs ?? 120_000),
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.inputData !== undefined ? { inputData: opts.inputData } : {}),
  });
  return { code: status.exitcode ?? (status.signal ? 128 + status.signal : 0), stdout: status['out-data'] ?? '', stderr: status['err-data'] ?? '' };
}
