/**
 * `pct listsnapshot` / `qm listsnapshot` output: PVE's `print_snapshot_tree`. Children hang
 * under their parent with four more spaces of indent, siblings sorted by snaptime with
 * `current` last; each line is `<prefix> <name padded> <time> <first description line>`.
 */
export function snapshotTree(list: Array<Record<string, string | number>>): string {
  const byName = new Map<string, { entry: Record<string, string | number>; children: string[] }>();
  for (const entry of list) byName.set(String(entry.name), { entry, children: [] });
  const roots: string[] = [];
  for (const [name, { entry }] of byName) {
    const parent = entry.parent === undefined ? undefined : String(entry.parent);
    if (parent && byName.has(parent)) byName.get(parent)!.children.push(name);
    else roots.push(name);
  }
  const bySnaptime = (a: string, b: string) => {
    const ta = byName.get(a)!.entry.snaptime;
    const tb = byName.get(b)!.entry.snaptime;
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return Number(ta) - Number(tb);
  };
  const lines: string[] = [];
  const walk = (prefix: string, name: string) => {
    const { entry, children } = byName.get(name)!;
    const description = String(entry.description || 'no-description').split('\n').at(-1) ?? '';
    const time = entry.snaptime === undefined ? '' : formatLocal(Number(entry.snaptime));
    const width = Math.max(30 - prefix.length, 0);
    lines.push(`${prefix} ${name.padEnd(width)} ${time.padEnd(23)} ${description}`);
    for (const child of children.sort(bySnaptime)) walk(`    ${prefix}`, child);
  };
  for (const root of roots.sort(bySnaptime)) walk('`->', root);
  return lines.map((l) => `${l}\n`).join('');
}

function formatLocal(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
