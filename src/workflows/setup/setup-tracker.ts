/**
 * Progress of a setup run, for the `setupProgress` query, the PhoenixStep search attribute and
 * the Web UI's current details (the shared TrackedSteps). A failing step fails the run naming
 * the node and the step; a cancelled one stays a cancellation (the run ends CANCELED, not FAILED).
 */
import type { SetupProgress, SetupStepOutcome } from '../../shared/setup';
import { TrackedSteps } from '../step-tracker';

export class SetupTracker extends TrackedSteps<SetupStepOutcome> {
  constructor(
    private readonly node: string,
    names: readonly string[],
  ) {
    // Setup let cancellations through from its first version: no patch to ask.
    super({ who: `host ${node}`, stepNoun: 'setup step', title: `Setup of ${node}`, details: { node }, cancellationPassesThrough: () => true }, names);
  }

  snapshot(): SetupProgress {
    return { node: this.node, current: this.current, steps: this.copySteps() };
  }
}
