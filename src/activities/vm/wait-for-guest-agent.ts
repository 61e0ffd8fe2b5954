/**
 * wait_for_guest_agent: polls PVE's agent endpoints until the guest agent answers and the
 * guest reports an IPv4 address, heartbeating each poll. It never starts the VM: a worker
 * restart resumes the wait (the deadline is anchored at the first attempt's schedule time,
 * so retries do not extend it).
 */
import { Context } from '@temporalio/activity';
import type { AgentInterface } from '../../proxmox/agent';
import type { StepOutcome } from '../../shared/progress';
import type { VmGuestInfo } from './types';
import type { VmPlan } from '../../shared/vm-plan';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { sleep } from '../common/sleep';
import { pollDelayMs } from '../../shared/poll-delay';
import { AGENT_STATE_TEXT, agentStateOf, type AgentState } from './agent-state';
import { vmLabel } from './label';


export function createWaitForGuestAgent(deps: ProvisioningDeps) {
  return async function waitForGuestAgent(plan: VmPlan): Promise<StepOutcome & VmGuestInfo> {
    const guest = vmLabel(plan);
    return classified('wait for the guest agent', guest, async () => {
      const pve = await deps.pve();
      const agent = pve.node(plan.node).agent(plan.vmid);
      const info = Context.current().info;
      const deadline = info.scheduledTimestampMs + plan.agentTimeoutSeconds * 1000;
      const resumed = info.attempt > 1;
      let last: AgentState | 'no address yet' | undefined;
      for (let polls = 0; ; polls++) {
        try {
          await agent.ping();
          const ips = ipv4Addresses(await agent.networkGetInterfaces());
          if (ips.length) {
            const waited = polls > 0 || resumed;
            return { changed: waited, summary: `guest agent answers; IPv4 ${ips.join(', ')}`, ips };
          }
          last = 'no address yet';
        } catch (err) {
          const state = agentStateOf(err);
          if (!state) throw err;
          if (state === 'not-configured') {
            throw permanent(`${guest} has no guest agent configured (agent: enabled=1 is set by apply_vm_configurations; was it changed?)`, 'PhoenixAgentMissing');
          }
          last = state;
        }
        const text = last === 'no address yet' ? last : AGENT_STATE_TEXT[last];
        if (Date.now() > deadline) {
          // The deadline spans every attempt, so a retry could only time out again.
          throw permanent(
            `the guest agent of ${guest} did not answer within ${plan.agentTimeoutSeconds} s (last state: ${text}); ` +
              `is qemu-guest-agent installed and started in the image? (raise PHOENIX_AGENT_TIMEOUT on the worker for slow hosts)`,
            'PhoenixAgentTimeout',
          );
        }
        heartbeat({ state: `${text} (${Math.round((Date.now() - info.scheduledTimestampMs) / 1000)} s)` });
        await sleep(pollDelayMs(polls + 1), cancellation());
      }
    });
  };
}

/** Every non-loopback, non-link-local IPv4 the agent reports, in interface order. */
export function ipv4Addresses(ifaces: AgentInterface[]): string[] {
  return ifaces.flatMap((i) =>
    (i['ip-addresses'] ?? [])
      .filter((a) => a['ip-address-type'] === 'ipv4' && !/^(127\.|169\.254\.)/.test(a['ip-address']))
      .map((a) => a['ip-address']),
  );
}
