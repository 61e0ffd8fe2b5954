/**
 * The frame every setup step runs in. A step reads the host, works out the difference to the
 * plan, and passes each change to `change(description, action)`: when applying, the action runs;
 * when planning (`plan --setup`), only the description is kept. One code path decides what to
 * change for both, so the plan shows exactly what a run would do.
 */
import type { SetupPlan } from '../../planning/setup';
import type { SetupStepOutcome } from '../../shared/setup';
import type { CommandRunner, ExecOptions } from '../../ssh/exec';
import { classified } from '../common/classify';
import type { HostSession, ProvisioningDeps } from '../common/provisioning-deps';
import { buildSetupPlan } from '../../planning/setup';
import { cancellation } from '../common/heartbeat';

type Env = Readonly<Record<string, string | undefined>>;

export interface StepRun {
  readonly host: HostSession;
  readonly run: CommandRunner;
  readonly plan: SetupPlan;
  readonly apply: boolean;
  readonly wipeDisks: boolean;
  readonly jobKey: string;
  readonly env: Env;
  readonly node: string;
  readonly changes: string[];
  /** What a read-only step found (its summary when nothing changed). */
  note(text: string): void;
  change(description: string, action: () => Promise<unknown>): Promise<void>;
}

export type SetupStep = (step: StepRun) => Promise<void>;

export interface StepRequest {
  apply: boolean;
  wipeDisks: boolean;
  jobKey?: string;
}

/** Runs one step over one SSH session. */
export async function runStep(deps: ProvisioningDeps, env: Env, name: string, body: SetupStep, req: StepRequest): Promise<SetupStepOutcome> {
  const node = (await deps.connection()).api.node;
  return classified(`setup step ${name}`, `host ${node}`, async () => {
    const plan = buildSetupPlan(await deps.loadConfig());
    return deps.withHost(async (host) => {
      const changes: string[] = [];
      const notes: string[] = [];
      const step: StepRun = {
        host,
        run: host.run,
        plan,
        apply: req.apply,
        wipeDisks: req.wipeDisks,
        jobKey: req.jobKey ?? 'plan',
        env,
        node,
        changes,
        note: (text) => void notes.push(text),
        async change(description, action) {
          changes.push(description);
          if (req.apply) await action();
        },
      };
      await body(step);
      return { changed: changes.length > 0, summary: [...changes, ...notes].join('; ') || 'unchanged', changes };
    }, cancellation());
  });
}

/** A host file's text, or undefined when it does not exist. */
export async function readHostFile(run: CommandRunner, path: string): Promise<string | undefined> {
  const r = await run.exec(['cat', path]);
  if (r.code === 0) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return undefined;
  await run.execChecked(['cat', path]); // throws with the reason
  return undefined;
}

/** Makes a host file hold `content`, changing nothing when it already does. */
export async function ensureHostFile(step: StepRun, path: string, content: string, what = `write ${path}`): Promise<boolean> {
  const current = await readHostFile(step.run, path);
  if (current === content) return false;
  await step.change(what, async () => {
    const dir = path.slice(0, path.lastIndexOf('/'));
    if (dir) await step.run.execChecked(['mkdir', '-p', dir]);
    await step.run.writeFile(path, content);
  });
  return true;
}

export async function checked(step: StepRun, argv: readonly string[], opts?: ExecOptions): Promise<string> {
  return (await step.run.execChecked(argv, opts)).stdout;
}
