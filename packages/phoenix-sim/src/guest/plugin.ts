import type { GuestPlugin, GuestSide } from '../plugins';
import { GuestRuntime } from './guest-runtime';

/** The guest side as startSimulator plugs it in; `runtime` lets the SSH endpoint reach the sandboxes. */
export interface SandboxGuestSide extends GuestSide {
  runtime: GuestRuntime;
}

/**
 * Sandboxed guests for startSimulator: `startSimulator({ guests: sandboxGuests() })`.
 * `durations` are the stand-ins' seconds before scaling (nvidia, apt_install, pip, ...).
 */
export function sandboxGuests(options: { durations?: Record<string, number> } = {}): GuestPlugin {
  return ({ state, stateDir, timeScale }): SandboxGuestSide => {
    const runtime = new GuestRuntime({
      stateDir,
      eventsFile: state.guestEventsFile,
      record: (kind, fields) => state.record(kind, { node: state.nodes[0], ...fields }),
      timing: { scale: timeScale, durations: options.durations ?? {} },
    });
    return { filesystems: runtime.filesystems, agent: runtime.agent, runtime, close: () => runtime.close() };
  };
}

export function isSandboxGuestSide(side: GuestSide | undefined): side is SandboxGuestSide {
  return !!side && (side as Partial<SandboxGuestSide>).runtime instanceof GuestRuntime;
}
