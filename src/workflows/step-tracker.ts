/**
 * Runs a workflow's steps in order and keeps their progress for the `progress` query,
 * the PhoenixStep search attribute and the Web UI's current details.
 *
 * A failing step is marked failed and re-thrown as a non-retryable ApplicationFailure
 * whose message names the guest and the step, so `phoenix-client` and the Web UI say
 * exactly where provisioning stopped. (Activities have already retried what was worth
 * retrying by then.) A cancellation is not a failure: it is re-thrown untouched, so the
 * SDK ends the run CANCELED.
 */
import { ApplicationFailure, CancellationScope, isCancellation, patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { CANCELLATION_PASSES_THROUGH } from './patches';
import { PhoenixStep } from '../shared/search-attributes';
import type { GuestProgress, StepOutcome, StepProgress } from '../shared/progress';
import { describeFailure } from './failure-text';

export class StepTracker {
  private readonly steps: StepProgress[];
  private current: string | undefined;

  constructor(
    private readonly kind: GuestProgress['kind'],
    private readonly id: number,
    stepNames: readonly string[],
  ) {
    this.steps = stepNames.map((name) => ({ name, state: 'pending' }));
  }

  snapshot(): GuestProgress {
    return { kind: this.kind, id: this.id, current: this.current, steps: this.steps.map((s) => ({ ...s })) };
  }

  /** Replaces a placeholder step by the steps it turned out to consist of (one per feature). */
  expand(placeholder: string, names: readonly string[]): void {
    const index = this.steps.findIndex((s) => s.name === placeholder);
    if (index < 0 || names.length === 0) return;
    this.steps.splice(index, 1, ...names.map((name): StepProgress => ({ name, state: 'pending' })));
  }

  skip(name: string, summary: string): void {
    const step = this.step(name);
    step.state = 'skipped';
    step.summary = summary;
    this.publish();
  }

  async run(name: string, action: () => Promise<StepOutcome>): Promise<StepOutcome> {
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
      if (isCancellation(err) && CancellationScope.current().consideredCancelled && patched(CANCELLATION_PASSES_THROUGH)) {
        step.state = 'cancelled';
        step.error = 'cancelled';
        throw err;
      }
      step.state = 'failed';
      step.error = describeFailure(err);
      throw ApplicationFailure.create({
        type: 'PhoenixStepFailed',
        nonRetryable: true,
        message: `${this.kind === 'lxc' ? 'CT' : 'VM'} ${this.id}: step ${name} failed: ${step.error}`,
        details: [{ step: name, id: this.id, kind: this.kind }],
        cause: err instanceof Error ? err : undefined,
      });
    } finally {
      step.endedAt = Date.now();
      this.current = undefined;
      this.publish();
    }
  }

  private step(name: string): StepProgress {
    const step = this.steps.find((s) => s.name === name);
    if (!step) throw ApplicationFailure.nonRetryable(`internal: unknown step ${name}`);
    return step;
  }

  /** Markdown table for the Web UI's "current details". */
  private publish(): void {
    const icon: Record<StepProgress['state'], string> = {
      pending: '·', running: '▶', done: '✔', skipped: '–', failed: '✘', cancelled: '⊘',
    };
    const rows = this.steps.map(
      (s) => `| ${icon[s.state]} | ${s.name} | ${(s.error ?? s.summary ?? '').replace(/\|/g, '\\|').slice(0, 200)} |`,
    );
    setCurrentDetails(
      [`**${this.kind === 'lxc' ? 'Container' : 'VM'} ${this.id}**`, '', '| | step | result |', '|---|---|---|', ...rows].join('\n'),
    );
  }
}
