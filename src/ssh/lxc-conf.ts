// Pure edits of /etc/pve/lxc/<vmid>.conf text for raw `lxc.*` lines, which the PVE API
// cannot set. The file has a main section, then optional `[snapshot]` / `[pve:pending]`
// sections: lines must go at the end of the main section (appending to the file, as the
// original bash did, puts them into the last snapshot once one exists).

export interface LxcConfLine {
  key: string;
  value: string;
}

/** Accepts `lxc.x: v`, `lxc.x = v` and `lxc.x=v` (the upstream config uses the last form). */
export function parseLxcConfLine(line: string): LxcConfLine {
  // A line break in a value would smuggle in a second config line.
  if (/[\n\r\0]/.test(line)) throw new Error(`lxc config line must be a single line: ${JSON.stringify(line)}`);
  const m = /^\s*(lxc\.[A-Za-z0-9_.]+)\s*[:=]\s*(.*?)\s*$/.exec(line);
  if (!m) throw new Error(`not a raw lxc.* config line: ${JSON.stringify(line)}`);
  return { key: m[1]!, value: m[2]! };
}

export const formatLxcConfLine = (l: LxcConfLine): string => `${l.key}: ${l.value}`;

export interface EnsureLinesResult {
  content: string;
  changed: boolean;
  added: string[];
  removed: string[];
}

/**
 * Adds every wanted line that the main section lacks. Keys listed in `exclusiveKeys`
 * (e.g. `lxc.apparmor.profile`) keep only the wanted value(s): other lines of that key are
 * removed from the main section. Snapshot and pending sections are never touched.
 */
export function ensureLxcConfLinesInText(content: string, wanted: readonly string[], exclusiveKeys: readonly string[] = []): EnsureLinesResult {
  const want = wanted.map(parseLxcConfLine);
  const lines = content.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let mainEnd = lines.findIndex((l) => /^\[.*\]\s*$/.test(l));
  if (mainEnd === -1) mainEnd = lines.length;

  const main = lines.slice(0, mainEnd);
  const rest = lines.slice(mainEnd);
  const same = (a: LxcConfLine, b: LxcConfLine) => a.key === b.key && a.value.replace(/\s+/g, ' ') === b.value.replace(/\s+/g, ' ');
  const parsed = (l: string): LxcConfLine | undefined => {
    try {
      return /^\s*lxc\./.test(l) ? parseLxcConfLine(l) : undefined;
    } catch {
      return undefined;
    }
  };

  const removed: string[] = [];
  const kept = main.filter((l) => {
    const p = parsed(l);
    if (p && exclusiveKeys.includes(p.key) && !want.some((w) => same(w, p))) {
      removed.push(l);
      return false;
    }
    return true;
  });

  const added: string[] = [];
  for (const w of want) {
    const present = kept.some((l) => {
      const p = parsed(l);
      return p !== undefined && same(p, w);
    });
    if (!present && !added.includes(formatLxcConfLine(w))) added.push(formatLxcConfLine(w));
  }

  // Trailing blank lines of the main section separate it from the next section: keep them after our lines.
  let insertAt = kept.length;
  while (insertAt > 0 && kept[insertAt - 1]!.trim() === '') insertAt--;
  const newMain = [...kept.slice(0, insertAt), ...added, ...kept.slice(insertAt)];
  const out = [...newMain, ...rest].join('\n') + '\n';
  return { content: out, changed: added.length > 0 || removed.length > 0, added, removed };
}
