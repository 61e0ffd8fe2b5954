/**
 * The reboot as a durable step. `rebootNeeds` reads why the host must reboot (a kernel command
 * line GRUB has but the running kernel lacks; an NVIDIA driver installed but not loaded) and the
 * current boot id. `rebootHost` writes the reasons to the host's log, reboots it once, and waits:
 * until the boot id changed, SSH answers and `pveproxy` is active. Its heartbeat carries the boot
 * id it left and when it rebooted, so an attempt retried on another worker resumes the wait
 * instead of rebooting again; a host that stays away past the deadline fails the step with the
 * last thing seen.
 */
import { Context } from '@temporalio/activity';
import { buildSetupPlan, type SetupPlan } from '../../planning/setup';
import type { RebootNeed, SetupStepOutcome } from '../../shared/setup';
import type { CommandRunner } from '../../ssh/exec';
import { classified, permanent } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import type { ProvisioningDeps } from '../common/provisioning-deps';
import { readHostFile } from './step-run';

const POLL_MS = 2_000;
export const REBOOT_LOG = '/var/log/phoenix/setup-reboots.log';

interface RebootHeartbeat {
  bootIdBefore: string;
  /** Epoch ms when this step rebooted the host (or found it already going down). */
  rebootedAt: number;
  state: string;
}

async function bootId(run: CommandRunner): Promise<string> {
  return (await run.execChecked(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
}

/** Why the host needs a reboot now: what is configured for the next boot but not running. */
export async function rebootReasons(run: CommandRunner, plan: SetupPlan): Promise<string[]> {
  const reasons: string[] = [];
  if (plan.vfio) {
    const running = ((await readHostFile(run, '/proc/cmdline')) ?? '').split(/\s+/);
    const missing = plan.vfio.cmdline.filter((t) => !running.includes(t));
    if (missing.length) reasons.push(`kernel command line lacks ${missing.join(' ')} (IOMMU for VFIO passthrough)`);
  }
  if (plan.driver) {
    const installed = (await run.exec(['modinfo', '-F', 'version', 'nvidia'])).stdout.trim();
    const loaded = ((await readHostFile(run, '/sys/module/nvidia/version')) ?? '').trim();
    if (installed && installed !== loaded) reasons.push(`NVIDIA driver ${installed} is installed but ${loaded ? `${loaded} is loaded` : 'not loaded'}`);
  }
  return reasons;
}

export function createRebootNeeds(deps: ProvisioningDeps) {
  return async function rebootNeeds(): Promise<RebootNeed> {
    const node = (await deps.connection()).api.node;
    return classified('check whether the host must reboot', `host ${node}`, async () => {
      const plan = buildSetupPlan(await deps.loadConfig());
      return deps.withHost(async (h) => ({ bootId: await bootId(h.run), reasons: await rebootReasons(h.run, plan) }), cancellation());
    });
  };
}

async function alreadyAsked(deps: ProvisioningDeps, bootIdBefore: string, signal: AbortSignal): Promise<boolean> {
  const log = await deps.withHost((h) => readHostFile(h.run, REBOOT_LOG), signal).catch(() => undefined);
  return (log ?? '').split('\n').some((line) => line.includes(` boot ${bootIdBefore}: `));
}

interface Sighting {
  bootId?: string;
  pveproxy?: string;
  seen: string;
}

async function look(deps: ProvisioningDeps, signal: AbortSignal): Promise<Sighting> {
  try {
    return await deps.withHost(async (h) => {
      const id = await bootId(h.run);
      const proxy = (await h.run.exec(['systemctl', 'is-active', 'pveproxy'])).stdout.trim();
      return { bootId: id, pveproxy: proxy, seen: `SSH answers, boot id ${id}, pveproxy ${proxy}` };
      // One look: a host that does not answer is what this loop reports, not a reason to wait.
    }, signal, undefined, { reconnectPatienceMs: 0 });
  } catch (err) {
    if (signal.aborted) throw err;
    return { seen: `no SSH: ${(err as Error).message.split('\n')[0]}` };
  }
}

export function createRebootHost(deps: ProvisioningDeps) {
  return async function rebootHost(input: { bootIdBefore: string; reasons: string[]; timeoutMs: number }): Promise<SetupStepOutcome> {
    const node = (await deps.connection()).api.node;
    const ctx = Context.current();
    const signal = cancellation();
    const previous = ctx.info.heartbeatDetails as RebootHeartbeat | undefined;
    const beat = (d: RebootHeartbeat) => heartbeat(d); // recorded, so a beat while SSH reconnects repeats it
    let rebootedAt = previous?.bootIdBefore === input.bootIdBefore ? previous.rebootedAt : undefined;
    let rebootedNow = false;

    if (rebootedAt === undefined) {
      // No record of a reboot from an earlier attempt; the boot id tells whether one happened anyway.
      const first = await look(deps, signal);
      rebootedAt = Date.now();
      // The host's own log says whether an attempt that died before its heartbeat got out
      // already asked for this reboot (the host may take a while to go down).
      const asked = first.bootId === input.bootIdBefore && (await alreadyAsked(deps, input.bootIdBefore, signal));
      if (first.bootId === input.bootIdBefore && !asked) {
        beat({ bootIdBefore: input.bootIdBefore, rebootedAt, state: 'rebooting' });
        await classified('reboot the host', `host ${node}`, () =>
          deps.withHost(async (h) => {
            await h.run.execChecked(['mkdir', '-p', REBOOT_LOG.slice(0, REBOOT_LOG.lastIndexOf('/'))]);
            const line = `${new Date(rebootedAt!).toISOString()} boot ${input.bootIdBefore}: ${input.reasons.join('; ')}\n`;
            await h.run.execChecked(['tee', '-a', REBOOT_LOG], { stdin: line });
            // The session may drop before the answer: that is the reboot working.
            await h.run.exec(['systemctl', 'reboot']).catch(() => undefined);
          }, signal),
        );
        rebootedNow = true;
      }
    }

    let last = 'nothing yet';
    for (;;) {
      beat({ bootIdBefore: input.bootIdBefore, rebootedAt, state: `waiting for the host: ${last}` });
      const seen = await look(deps, signal);
      last = seen.seen;
      if (seen.bootId && seen.bootId !== input.bootIdBefore && seen.pveproxy === 'active') {
        const took = Math.round((Date.now() - rebootedAt) / 1000);
        return { changed: true, summary: `${rebootedNow ? 'rebooted' : 'waited for the reboot'} (${input.reasons.join('; ')}); back after ${took} s with boot id ${seen.bootId}`, changes: ['reboot'] };
      }
      if (Date.now() - rebootedAt > input.timeoutMs) {
        const within = input.timeoutMs >= 120_000 ? `${Math.round(input.timeoutMs / 60_000)} min` : `${Math.round(input.timeoutMs / 1000)} s`;
        throw permanent(`host ${node} did not come back within ${within} of its reboot; last seen: ${last}`, 'PhoenixHostDidNotReturn');
      }
      await sleep(POLL_MS, signal);
    }
  };
}
