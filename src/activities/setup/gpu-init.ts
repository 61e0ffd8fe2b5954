/**
 * Step 9, GPU initialisation at boot: a oneshot unit running `nvidia-smi` before the guests start,
 * so the device nodes containers bind-mount exist when `onboot` containers come up.
 */
import { checked, ensureHostFile, type SetupStep } from './step-run';

export const GPU_INIT_UNIT = 'nvidia-gpu-init.service';

const UNIT_TEXT = [
  '[Unit]',
  'Description=Initialise NVIDIA GPUs before the guests start (Phoenix)',
  'Before=pve-guests.service',
  '',
  '[Service]',
  'Type=oneshot',
  'ExecStart=/usr/bin/nvidia-smi',
  'RemainAfterExit=true',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

export const gpuInit: SetupStep = async (s) => {
  if (!s.plan.driver) return;
  if (await ensureHostFile(s, `/etc/systemd/system/${GPU_INIT_UNIT}`, UNIT_TEXT, `write ${GPU_INIT_UNIT}`)) {
    await s.change('reload systemd', () => checked(s, ['systemctl', 'daemon-reload']));
  }
  if ((await s.run.exec(['systemctl', 'is-enabled', GPU_INIT_UNIT])).stdout.trim() !== 'enabled') {
    await s.change(`enable ${GPU_INIT_UNIT}`, () => checked(s, ['systemctl', 'enable', GPU_INIT_UNIT]));
  }
};
