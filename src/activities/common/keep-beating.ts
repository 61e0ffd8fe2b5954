/**
 * Heartbeats at a steady pace while a long await is pending (a probe running in a guest, the
 * wait between two probes), so a wait longer than the heartbeat timeout is not mistaken for a
 * dead worker. The pace is a third of the activity's heartbeat timeout (the SDK throttles what
 * it sends to the server anyway), at most every 10 s.
 */
import { Context } from '@temporalio/activity';
import { heartbeat, type StepHeartbeat } from './heartbeat';

export function heartbeatPaceMs(): number {
  const timeout = Context.current().info.heartbeatTimeoutMs;
  return Math.min(10_000, Math.max(100, timeout ? Math.floor(timeout / 3) : 10_000));
}

export async function keepBeating<T>(details: StepHeartbeat, work: Promise<T>): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), heartbeatPaceMs());
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
