/**
 * Orders templates so a parent is rebuilt before its children (pure; bundled into workflows).
 * Only parent links inside the given set matter; otherwise the given order is kept.
 */
export function orderParentsFirst(templates: ReadonlyArray<{ ctid: number; parent?: number }>): number[] {
  const byId = new Map(templates.map((t) => [t.ctid, t]));
  const out: number[] = [];
  const visiting = new Set<number>();
  const visit = (ctid: number): void => {
    if (out.includes(ctid) || visiting.has(ctid)) return;
    visiting.add(ctid);
    const parent = byId.get(ctid)?.parent;
    if (parent !== undefined && byId.has(parent)) visit(parent);
    out.push(ctid);
  };
  for (const t of templates) visit(t.ctid);
  return out;
}
