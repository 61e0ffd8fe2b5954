/**
 * PVE's answers while a VM boots, in `assert_agent_available`'s order: `No QEMU guest agent
 * configured` → `VM <id> is not running` → `QEMU guest agent is not running` → answering.
 */
import { isAgentNotReady, PveError } from '../../proxmox/errors';

export type AgentState = 'not-configured' | 'vm-not-running' | 'agent-not-running';

export function agentStateOf(err: unknown): AgentState | undefined {
  if (isAgentNotReady(err)) return 'agent-not-running';
  if (!(err instanceof PveError)) return undefined;
  const text = [err.reason, err.pveMessage, err.message].join(' ');
  if (/No QEMU guest agent configured/i.test(text)) return 'not-configured';
  if (/\bVM \d+ is not running\b/i.test(text)) return 'vm-not-running';
  return undefined;
}

export const AGENT_STATE_TEXT: Record<AgentState, string> = {
  'not-configured': 'no guest agent configured',
  'vm-not-running': 'VM not running',
  'agent-not-running': 'guest agent not running yet',
};
