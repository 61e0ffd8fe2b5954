/**
 * Step 8, after the reboot: `nvidia-smi` must answer with the configured driver version, and no
 * GPU reserved for VM passthrough may be driven by it (vfio-pci must have claimed those).
 */
import { permanent } from '../common/classify';
import type { SetupStep } from './step-run';

export const verifyDriver: SetupStep = async (s) => {
  const driver = s.plan.driver;
  if (!driver) return;
  const r = await s.run.exec(['nvidia-smi', '--query-gpu=index,name,driver_version,pci.bus_id', '--format=csv,noheader']);
  if (r.code !== 0) throw permanent(`nvidia-smi failed (exit ${r.code}): ${(r.stdout + r.stderr).trim()}`, 'PhoenixDriverNotWorking');
  const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split(',').map((c) => c.trim()));
  const wrong = rows.filter((row) => row[2] !== driver.version);
  if (rows.length === 0 || wrong.length) throw permanent(`nvidia-smi shows ${rows.length ? wrong.map((w) => `GPU ${w[0]} on driver ${w[2]}`).join(', ') : 'no GPU'}, expected driver ${driver.version}`, 'PhoenixDriverNotWorking');
  const vmGpus = (s.plan.vfio?.addresses ?? []).map((a) => a.toLowerCase());
  const claimed = rows.filter((row) => vmGpus.some((a) => (row[3] ?? '').toLowerCase().endsWith(a)));
  if (claimed.length) throw permanent(`GPU(s) ${claimed.map((c) => c[3]).join(', ')} are meant for VM passthrough but the NVIDIA driver holds them: check gpus[].vendor_device`, 'PhoenixDriverNotWorking');
  s.note(`nvidia-smi: ${rows.map((row) => `GPU ${row[0]} ${row[1]}`).join(', ')} on driver ${driver.version}`);
};
