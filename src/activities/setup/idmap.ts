/** Step 15, the subordinate id range unprivileged containers map root to (root:100000:65536). */
import { ensureHostFile, readHostFile, type SetupStep } from './step-run';

export const idmap: SetupStep = async (s) => {
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const current = (await readHostFile(s.run, file)) ?? '';
    if (current.split('\n').includes(s.plan.idmap)) continue;
    await ensureHostFile(s, file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${s.plan.idmap}\n`, `add ${s.plan.idmap} to ${file}`);
  }
};
