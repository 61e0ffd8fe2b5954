/**
 * Step 11, NFS exports: the export folders, and Phoenix's block in /etc/exports (every other line
 * is kept; the original truncated the file on each run), then `exportfs -ra` when it changed.
 */
import { withManagedBlock } from '../../planning/setup';
import { checked, ensureHostFile, readHostFile, type SetupStep } from './step-run';

export const nfsExports: SetupStep = async (s) => {
  if (s.plan.exports.length === 0) return;
  for (const e of s.plan.exports) {
    if ((await s.run.exec(['test', '-d', e.path])).code !== 0) await s.change(`create ${e.path}`, () => checked(s, ['mkdir', '-p', e.path]));
  }
  const current = (await readHostFile(s.run, '/etc/exports')) ?? '';
  const wanted = withManagedBlock(current, 'exports', s.plan.exports.map((e) => e.line));
  if (await ensureHostFile(s, '/etc/exports', wanted, `export ${s.plan.exports.map((e) => e.path).join(', ')} in /etc/exports`)) {
    await s.change('reload the NFS exports', () => checked(s, ['exportfs', '-ra']));
  }
};
