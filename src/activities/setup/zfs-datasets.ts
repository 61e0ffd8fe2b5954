/** Step 3, ZFS datasets: created with their properties, or the differing properties set. */
import { sameZfsValue } from '../../planning/setup';
import { checked, type SetupStep } from './step-run';

export const zfsDatasets: SetupStep = async (s) => {
  if (s.plan.datasets.length === 0) return;
  const existing = new Set((await checked(s, ['zfs', 'list', '-H', '-o', 'name', '-t', 'filesystem'])).split('\n').filter(Boolean));
  for (const ds of s.plan.datasets) {
    const props = Object.entries(ds.properties);
    if (!existing.has(ds.name)) {
      await s.change(`create dataset ${ds.name}${props.length ? ` (${props.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`, () =>
        checked(s, ['zfs', 'create', ...props.flatMap(([k, v]) => ['-o', `${k}=${v}`]), ds.name]),
      );
      continue;
    }
    if (props.length === 0) continue;
    const out = await checked(s, ['zfs', 'get', '-H', '-o', 'property,value', props.map(([k]) => k).join(','), ds.name]);
    const current = new Map(out.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
    const differing = props.filter(([k, v]) => !sameZfsValue(current.get(k) ?? '-', v));
    if (differing.length > 0) {
      await s.change(`set ${differing.map(([k, v]) => `${k}=${v} (was ${current.get(k) ?? '-'})`).join(', ')} on ${ds.name}`, () =>
        checked(s, ['zfs', 'set', ...differing.map(([k, v]) => `${k}=${v}`), ds.name]),
      );
    }
  }
};
