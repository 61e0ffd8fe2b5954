/**
 * Progress of a setup run, for the `setupProgress` query, the PhoenixStep search attribute and
 * the Web UI's current details. A failing step fails the run naming the node and the step; a
 * cancelled one stays a cancellation (the run ends CANCELED, not FAILED).
 */
import { ApplicationFailure, CancellationScope, isCancellation, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { StepProgress } from '../../shared/progress';
import { PhoenixStep } from '../../shared/search-attributes';
import type { SetupProgress, SetupStepOutcome } from '../../shared/setup';
import { describeFailure } from '../failure-text';

export class SetupTracker {
  private readonly steps: StepProgress[];
  private current: string | undefined;

  constructor(
    private readonly node: string,
    names: readonly string[],
  ) {
    this.steps = names.map((name) => ({ name, state: 'pending' }));
  }

  snapshot(): SetupProgress {
    return { node: this.node, current: this.current, steps: this.steps.map((s) => ({ ...s })) };
  }

  skip(name: string, summary: string): void {
    Object.assign(this.find(name), { state: 'skipped', summary });
    this.publish();
  }

  async run(name: string, action: () => Promise<SetupStepOutcome>): Promise<SetupStepOutcome> {
    const step = Object.assign(this.find(name), { state: 'running', startedAt: Date.now(), error: undefined });
    this.current = name;
    upsertSearchAttributes([{ key: PhoenixStep, value: name }]);
    this.publish();
    try {
      const outcome = await action();
      Object.assign(step, { state: 'done', summary: outcome.summary });
      return outcome;
    } catch (err) {
      if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
        Object.assign(step, { state: 'cancelled', error: 'cancelled' });
        throw err;
      }
      Object.assign(step, { state: 'failed', error: describeFailure(err) });
      throw ApplicationFailure.create({
        type: 'PhoenixStepFailed',
        nonRetryable: true,
        message: `host ${this.node}: setup step ${name} failed: ${step.error}`,
        details: [{ step: name, node: this.node }],
        cause: err instanceof Error ? err : undefined,
      });
    } finally {
      step.endedAt = Date.now();
      this.current = undefined;
      this.publish();
    }
  }

  private find(name: string): StepProgress {
    const step = this.steps.find((s) => s.name === name);
    if (!step) throw ApplicationFailure.nonRetryable(`internal: unknown setup step ${name}`);
    return step;
  }

  private publish(): void {
    const mark = { pending: '·', running: '▶', done: '✔', skipped: '–', failed: '✘', cancelled: '⊘' } as const;
    const rows = this.steps.map((s) => `| ${mark[s.state]} | ${s.name} | ${(s.error ?? s.summary ?? '').replace(/\|/g, '\\|').slice(0, 200)} |`);
    setCurrentDetails([`**Setup of ${this.node}**`, '', '| | step | result |', '|---|---|---|', ...rows].join('\n'));
  }
}
