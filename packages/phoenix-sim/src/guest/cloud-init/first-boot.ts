import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { insideRoot } from '../paths';
import { parseUserData, runcmdLine, CloudConfigError, type CloudConfig } from './cloud-config';

/** What the first-boot runner needs from the guest runtime. */
export interface FirstBootHost {
  rootfs: string;
  /** Runs argv in the guest with stdout and stderr appended to the given host file descriptor. */
  run(argv: string[], outputFd: number): Promise<number>;
  record(kind: 'cloudinit.start' | 'cloudinit.finish', fields: Record<string, unknown>): void;
  /** True once the VM was stopped: remaining stages are skipped. */
  stopped(): boolean;
}

const STATUS_FILE = '/var/lib/phoenix-sim/cloud-init/status';
const FAILURES_FILE = '/var/lib/phoenix-sim/cloud-init/runcmd-failures';
const OUTPUT_LOG = '/var/log/cloud-init-output.log';

/**
 * cloud-init's first boot, stage by stage, as real processes inside the VM's sandbox:
 * hostname and write_files (init stage), users and packages (config stage), then runcmd
 * (final stage). runcmd is one /bin/sh script without `set -e`, as cloud-init writes it:
 * a failing line does not stop the next ones, and the boot ends in `error` when the script's
 * exit status is non-zero. The simulator's copy of the script notes each failing line so
 * the ledger can name the command that failed.
 */
export async function runFirstBoot(host: FirstBootHost, userData: string | undefined): Promise<void> {
  const path = (p: string) => insideRoot(host.rootfs, p);
  const started = Date.now();
  const setStatus = async (status: string, error?: string) => {
    await mkdir(dirname(path(STATUS_FILE)), { recursive: true });
    const lines = [`status=${status}`, `last_update=${new Date().toUTCString()}`];
    if (error) lines.push(`error=${error.replace(/\n/g, ' ')}`);
    await writeFile(path(STATUS_FILE), lines.join('\n') + '\n');
  };
  await setStatus('running');
  host.record('cloudinit.start', {});
  await mkdir(dirname(path(OUTPUT_LOG)), { recursive: true });
  const log = (text: string) => appendFile(path(OUTPUT_LOG), text);
  await log(`Cloud-init v. 24.4 (phoenix-sim) running 'init' at ${new Date().toUTCString()}.\n`);

  const finish = async (error?: { message: string; failedCommand?: string; exitCode?: number }) => {
    await setStatus(error ? 'error' : 'done', error?.message);
    await log(`Cloud-init v. 24.4 (phoenix-sim) finished at ${new Date().toUTCString()}. Up ${((Date.now() - started) / 1000).toFixed(2)} seconds\n`);
    host.record('cloudinit.finish', error ? { status: 'error', ...error } : { status: 'done' });
  };

  let config: CloudConfig;
  try {
    config = parseUserData(userData ?? '#cloud-config\n');
  } catch (e) {
    if (!(e instanceof CloudConfigError)) throw e;
    await log(`${e.message}\n`);
    return finish({ message: `('init', ${JSON.stringify(e.message)})` });
  }

  if (config.hostname) await writeFile(path('/etc/hostname'), `${config.hostname}\n`);
  for (const file of config.writeFiles) {
    await mkdir(dirname(path(file.path)), { recursive: true });
    if (file.append) await appendFile(path(file.path), file.content);
    else await writeFile(path(file.path), file.content);
    await chmod(path(file.path), file.mode);
  }

  const fd = openSync(path(OUTPUT_LOG), 'a');
  try {
    const sh = (script: string) => host.run(['/bin/sh', '-c', script], fd);
    for (const user of config.users) {
      if (host.stopped()) break;
      const groups = user.groups.map((g) => `groupadd -f '${g}'`).join('; ');
      const add = `id '${user.name}' >/dev/null 2>&1 || useradd -m -s '${user.shell ?? '/bin/bash'}'${user.groups.length ? ` -G '${user.groups.join(',')}'` : ''} '${user.name}'`;
      await sh(groups ? `${groups}; ${add}` : add);
    }
    let packagesFailed = false;
    if (!host.stopped() && config.packageUpdate) packagesFailed = (await host.run(['apt-get', 'update'], fd)) !== 0;
    if (!host.stopped() && config.packages.length) {
      packagesFailed = (await host.run(['apt-get', 'install', '-y', ...config.packages], fd)) !== 0 || packagesFailed;
    }

    const lines = config.script ? [] : config.runcmd.map(runcmdLine);
    let runcmdExit = 0;
    if (!host.stopped() && (lines.length || config.script)) {
      await mkdir(path('/var/lib/cloud/instance/scripts'), { recursive: true });
      const scriptPath = config.script ? '/var/lib/cloud/instance/scripts/part-001' : '/var/lib/cloud/instance/scripts/runcmd';
      await writeFile(path(scriptPath), config.script ?? `#!/bin/sh\n${lines.join('\n')}\n`, { mode: 0o700 });
      if (config.script) {
        runcmdExit = await host.run([scriptPath], fd);
      } else {
        const traced = lines
          .map((line, i) => `${line}\n__phoenix_sim_rc=$?; [ "$__phoenix_sim_rc" -eq 0 ] || echo "${i} $__phoenix_sim_rc" >> ${FAILURES_FILE}`)
          .join('\n');
        await writeFile(path('/var/lib/phoenix-sim/cloud-init/runcmd.sh'), `#!/bin/sh\n${traced}\nexit "$__phoenix_sim_rc"\n`, { mode: 0o700 });
        runcmdExit = await host.run(['/bin/sh', '/var/lib/phoenix-sim/cloud-init/runcmd.sh'], fd);
      }
    }
    if (host.stopped()) return finish({ message: 'cloud-init did not finish: the VM was stopped during first boot' });
    if (runcmdExit !== 0) {
      const failures = await readFailures(path(FAILURES_FILE));
      const last = failures.at(-1);
      const failedCommand = config.script ? scriptPathLabel(config) : last ? lines[last.index] : lines.at(-1);
      return finish({
        message: `('scripts_user', RuntimeError('Runparts: 1 failures (${config.script ? 'part-001' : 'runcmd'}) in 1 attempted commands'))`,
        ...(failedCommand !== undefined ? { failedCommand } : {}),
        exitCode: runcmdExit,
      });
    }
    if (packagesFailed) {
      return finish({ message: `('package_update_upgrade_install', RuntimeError('Failed to install packages: ${JSON.stringify(config.packages)}'))`, failedCommand: `apt-get install -y ${config.packages.join(' ')}` });
    }
    return finish();
  } finally {
    closeSync(fd);
  }
}

function scriptPathLabel(config: CloudConfig): string {
  return (config.script ?? '').split('\n')[0] ?? '';
}

async function readFailures(file: string): Promise<Array<{ index: number; exit: number }>> {
  try {
    return (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [index, exit] = l.split(' ');
        return { index: Number(index), exit: Number(exit) };
      });
  } catch {
    return [];
  }
}
