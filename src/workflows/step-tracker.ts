/**
 * Runs a workflow's steps in order and keeps their progress for the progress query, the
 * PhoenixStep search attribute and the Web UI's current details. `StepTracker` tracks a
 * guest's provisioning; `SetupTracker` (setup/setup-tracker.ts) a host setup: both are this
 * one `TrackedSteps` with their own words and progress shape.
 *
 * A failing step is marked failed and re-thrown as a non-retryable ApplicationFailure
 * whose message names the subject (guest or host) and the step, so `phoenix-client` and the
 * Web UI say exactly where the run stopped. (Activities have already retried what was worth
 * retrying by then.) A cancellation is not a failure: it is re-thrown untouched, so the
 * SDK ends the run CANCELED.
 */
import { ApplicationFailure, CancellationScope, isCancellation, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { CANCELLATION_PASSES_THROUGH } from './patches';
import { PhoenixStep } from '../shared/search-attributes';
import type { GuestProgress, StepOutcome, StepProgress } from '../shared/progress';
import { describeFailure } from './failure-text';

/** How a tracker names what it tracks. */
export interface TrackedSubject {
  /** Who, in a failure message: `CT 950`, `host pve`. */
  readonly who: string;
  /** What a step is called in messages: `step`, `setup step`. */
  readonly stepNoun: string;
  /** Heading of the Web UI's details: `Container 950`, `Setup of pve`. */
  readonly title: string;
  /** Failure details besides the step name (`{ id, kind }`, `{ node }`). */
  readonly details: Readonly<Record<string, unknown>>;
  /**
   * Whether a cancellation passes through as one. Asked only when a step was cancelled: the
   * guest workflows ask patched(CANCELLATION_PASSES_THROUGH), so runs recorded before that
   * patch replay as they ran.
   */
  readonly cancellationPassesThrough: () => boolean;
}

const ICON: Record<StepProgress['state'], string> = {
  pending: '·', running: '▶', done: '✔', skipped: '–', failed: '✘', cancelled: '⊘',
};

export class TrackedSteps<Outcome extends { summary: string }> {
  protected readonly steps: StepProgress[];
  protected current: string | undefined;

  constructor(
    private readonly subject: TrackedSubject,
    stepNames: readonly string[],
  ) {
    this.steps = stepNames.map((name) => ({ name, state: 'pending' }));
  }

  skip(name: string, summary: string): void {
    const step = this.step(name);
    step.state = 'skipped';
    step.summary = summary;
    this.publish();
  }

  async run(name: string, action: () => Promise<Outcome>): Promise<Outcome> {
    const step = this.step(name);
    step.state = 'running';
    step.startedAt = Date.now();
    step.error = undefined;
    this.current = name;
    upsertSearchAttributes([{ key: PhoenixStep, value: name }]);
    this.publish();
    try {
      const outcome = await action();
      step.state = 'done';
      step.summary = outcome.summary;
      return outcome;
    } catch (err) {
      if (isCancellation(err) && CancellationScope.current().consideredCancelled && this.subject.cancellationPassesThrough()) {
        step.state = 'cancelled';
        step.error = 'cancelled';
        throw err;
      }
      step.state = 'failed';
      step.error = describeFailure(err);
      throw ApplicationFailure.create({
        type: 'PhoenixStepFailed',
        nonRetryable: true,
        message: `${this.subject.who}: ${this.subject.stepNoun} ${name} failed: ${step.error}`,
        details: [{ step: name, ...this.subject.details }],
        cause: err instanceof Error ? err : undefined,
      });
    } finally {
      step.endedAt = Date.now();
      this.current = undefined;
      this.publish();
    }
  }

  protected copySteps(): StepProgress[] {
    return this.steps.map((s) => ({ ...s }));
  }

  private step(name: string): StepProgress {
    const step = this.steps.find((s) => s.name === name);
    if (!step) throw ApplicationFailure.nonRetryable(`internal: unknown ${this.subject.stepNoun} ${name}`);
    return step;
  }

  /** Markdown table for the Web UI's "current details". */
  private publish(): void {
    const rows = this.steps.map((s) => `| ${ICON[s.state]} | ${s.name} | ${(s.error ?? s.summary ?? '').replace(/\|/g, '\\|').slice(0, 200)} |`);
    setCurrentDetails([`**${this.subject.title}**`, '', '| | step | result |', '|---|---|---|', ...rows].join('\n'));
  }
}

/** The steps of a guest's provisioning run (provisionLxc, provisionVm). */
export class StepTracker extends TrackedSteps<StepOutcome> {
  constructor(
    private readonly kind: GuestProgress['kind'],
    private readonly id: number,
    stepNames: readonly string[],
  ) {
    super(
      {
        who: `${kind === 'lxc' ? 'CT' : 'VM'} ${id}`,
        stepNoun: 'step',
        title: `${kind === 'lxc' ? 'Container' : 'VM'} ${id}`,
        details: { id, kind },
        cancellationPassesThrough: () => patched(CANCELLATION_PASSES_THROUGH),
      },
      stepNames,
    );
  }

  snapshot(): GuestProgress {
    return { kind: this.kind, id: this.id, current: this.current, steps: this.copySteps() };
  }

  /** Replaces a placeholder step by the steps it turned out to consist of (one per feature). */
  expand(placeholder: string, names: readonly string[]): void {
    const index = this.steps.findIndex((s) => s.name === placeholder);
    if (index < 0 || names.length === 0) return;
    this.steps.splice(index, 1, ...names.map((name): StepProgress => ({ name, state: 'pending' })));
  }
}
