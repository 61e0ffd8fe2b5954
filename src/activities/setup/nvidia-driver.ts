/**
 * Step 6, the host NVIDIA driver. The runfile installer runs as a transient systemd unit named
 * after this run (`systemd-run --unit=...`), so it survives the SSH session and the worker: a
 * retried attempt finds the unit and waits for it instead of starting the installer again, and
 * `systemd-run` itself refuses a second unit of the same name. Installed with DKMS, so a kernel
 * upgrade rebuilds the module (the original's --no-dkms broke the driver on every upgrade).
 */
import { permanent } from '../common/classify';
import { cancellation, heartbeat } from '../common/heartbeat';
import { sleep } from '../common/sleep';
import { checked, ensureHostFile, type SetupStep, type StepRun } from './step-run';

const POLL_MS = 2_000;

export function installerUnit(version: string, jobKey: string): string {
  return `phoenix-nvidia-${version}-${jobKey}`.replace(/[^A-Za-z0-9:_.-]/g, '_') + '.service';
}

async function unitState(s: StepRun, unit: string): Promise<Record<string, string>> {
  const out = await checked(s, ['systemctl', 'show', unit, '--property=LoadState,ActiveState,SubState,Result,ExecMainStatus']);
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

async function waitForUnit(s: StepRun, unit: string, version: string): Promise<void> {
  const signal = cancellation();
  for (;;) {
    const st = await unitState(s, unit);
    heartbeat({ jobId: unit, state: `installer ${st.ActiveState}/${st.SubState}` });
    if (st.LoadState === 'not-found') {
      const installed = (await s.run.exec(['modinfo', '-F', 'version', 'nvidia'])).stdout.trim();
      if (installed === version) return;
      throw permanent(`the NVIDIA installer unit ${unit} is gone (the host rebooted while it ran?) and driver ${version} is not installed; run setup again`, 'PhoenixInstallerLost');
    }
    if (st.SubState === 'exited' && st.Result === 'success') return;
    if (st.ActiveState === 'failed' || (st.Result && st.Result !== 'success')) {
      const log = await s.run.exec(['journalctl', '-u', unit, '-n', '30', '--no-pager', '-o', 'cat']);
      throw permanent(`the NVIDIA ${version} installer failed (exit ${st.ExecMainStatus}); last lines:\n${log.stdout.trim()}`, 'PhoenixInstallerFailed');
    }
    await sleep(POLL_MS, signal);
  }
}

export const nvidiaDriver: SetupStep = async (s) => {
  const driver = s.plan.driver;
  if (!driver) return;
  const gpus = (await checked(s, ['lspci', '-D', '-nn', '-d', '10de:'])).trim();
  if (!gpus) {
    s.note('no NVIDIA GPU on this host');
    return;
  }
  const unit = installerUnit(driver.version, s.jobKey);
  const existing = s.apply ? await unitState(s, unit) : { LoadState: 'not-found' };
  if (existing.LoadState !== 'not-found') {
    await s.change(`NVIDIA driver ${driver.version}: re-attached to installer ${unit}`, () => waitForUnit(s, unit, driver.version));
    return;
  }
  const installed = (await s.run.exec(['modinfo', '-F', 'version', 'nvidia'])).stdout.trim();
  if (installed === driver.version) return;
  await ensureHostFile(s, '/etc/modprobe.d/blacklist-nouveau.conf', 'blacklist nouveau\noptions nouveau modeset=0\n', 'blacklist nouveau (the NVIDIA driver replaces it)');
  await s.change(`install NVIDIA driver ${driver.version} (installed: ${installed || 'none'}; loads after the reboot)`, async () => {
    await checked(s, ['update-initramfs', '-u', '-k', 'all']);
    if ((await s.run.exec(['test', '-s', driver.runfile])).code !== 0) {
      await checked(s, ['mkdir', '-p', driver.runfile.slice(0, driver.runfile.lastIndexOf('/'))]);
      await checked(s, ['curl', '-fsSL', '--retry', '3', '-o', driver.runfile, driver.runfileUrl], { timeoutMs: 20 * 60_000 });
      await checked(s, ['chmod', '0755', driver.runfile]);
    }
    const started = await s.run.exec([
      'systemd-run', `--unit=${unit}`, '--description=Phoenix setup: NVIDIA driver installer', '--remain-after-exit',
      driver.runfile, '--silent', '--dkms', '--no-x-check', '--no-nouveau-check', '--no-opengl-files', '--accept-license',
    ]);
    // A unit of that name already there means another attempt started it: wait for that one.
    if (started.code !== 0 && !/already (loaded|exists)/.test(started.stderr)) {
      throw permanent(`could not start the NVIDIA installer: ${started.stderr.trim()}`, 'PhoenixInstallerFailed');
    }
    await waitForUnit(s, unit, driver.version);
  });
};
