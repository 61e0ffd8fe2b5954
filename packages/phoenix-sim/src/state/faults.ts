/**
 * Fault injection. A fault names where it applies (`api` request line, `ssh`
 * command line, or `task` type:id), a pattern, what happens and how often.
 * The decision to fire uses a seeded RNG so a run with the same seed and the
 * same request order fires the same faults. Faults never apply to `/sim/*`.
 */
export type FaultTarget = 'api' | 'ssh' | 'task';

export type FaultEffect =
  /** Answer with this HTTP status (500 or 503) and reason. */
  | { kind: 'http-error'; status?: number; message?: string }
  /** Destroy the connection without an answer (api) — a dropped TCP connection. */
  | { kind: 'reset' }
  /** Delay the answer (api) or the command (ssh) by this many real milliseconds. */
  | { kind: 'slow'; delayMs: number }
  /** A lock conflict: `timeout` → `can't lock file '...' - got timeout`; otherwise `CT is locked (<lock>)` / `VM is locked (<lock>)`. */
  | { kind: 'lock'; lock?: string }
  /** The task starts but ends with this error text. */
  | { kind: 'task-fail'; message?: string }
  /** ssh: the connection drops after this many milliseconds of the command running. */
  | { kind: 'disconnect'; afterMs?: number };

export type FaultSpec = FaultEffect & {
  target: FaultTarget;
  /**
   * Glob: `*` matches any run of characters. api: `POST /nodes/*\/lxc/*\/clone`
   * (path under /api2/json, no query); ssh: the command line (`pct clone *`);
   * task: `<type>:<id>` (`vzclone:900`). `/regex/` for a regular expression.
   */
  match: string;
  /** Probability of firing for each matching request (default 1). */
  rate?: number;
  /** Fire at most this many times (default unlimited). */
  times?: number;
};

export interface FaultState {
  specs: FaultSpec[];
  seed: number;
}

/** mulberry32: tiny, fast, good enough to make fault decisions reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compilePattern(pattern: string): RegExp {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1));
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

const TARGETS: FaultTarget[] = ['api', 'ssh', 'task'];
const KINDS = ['http-error', 'reset', 'slow', 'lock', 'task-fail', 'disconnect'];

/** Validates a fault spec from JSON or the CLI; throws with the offending field. */
export function validateFault(raw: unknown, where = 'fault'): FaultSpec {
  if (!raw || typeof raw !== 'object') throw new Error(`${where}: must be an object`);
  const f = raw as Record<string, unknown>;
  if (!TARGETS.includes(f.target as FaultTarget)) throw new Error(`${where}.target: must be one of ${TARGETS.join(', ')}`);
  if (typeof f.match !== 'string' || f.match === '') throw new Error(`${where}.match: must be a non-empty pattern`);
  if (!KINDS.includes(f.kind as string)) throw new Error(`${where}.kind: must be one of ${KINDS.join(', ')}`);
  if (f.rate !== undefined && !(typeof f.rate === 'number' && f.rate >= 0 && f.rate <= 1)) throw new Error(`${where}.rate: must be a number in [0, 1]`);
  if (f.times !== undefined && !(Number.isInteger(f.times) && (f.times as number) >= 0)) throw new Error(`${where}.times: must be an integer >= 0`);
  if (f.kind === 'slow' && !(typeof f.delayMs === 'number' && f.delayMs >= 0)) throw new Error(`${where}.delayMs: must be a number >= 0`);
  if (f.kind === 'http-error' && f.status !== undefined && !(Number.isInteger(f.status) && (f.status as number) >= 400 && (f.status as number) <= 599))
    throw new Error(`${where}.status: must be an HTTP error status`);
  try {
    compilePattern(f.match);
  } catch (e) {
    throw new Error(`${where}.match: ${(e as Error).message}`);
  }
  return f as unknown as FaultSpec;
}

export class Faults {
  private specs: Array<{ spec: FaultSpec; re: RegExp; fired: number }> = [];
  private random: () => number;
  private seedValue: number;

  constructor(specs: FaultSpec[] = [], seed = 1) {
    this.seedValue = seed;
    this.random = seededRandom(seed);
    this.set(specs, seed);
  }

  /** Replaces the fault list (and reseeds when a seed is given). */
  set(specs: FaultSpec[], seed?: number): void {
    if (seed !== undefined) {
      this.seedValue = seed;
      this.random = seededRandom(seed);
    }
    this.specs = specs.map((spec, i) => ({ spec: validateFault(spec, `faults[${i}]`), re: compilePattern(spec.match), fired: 0 }));
  }

  list(): FaultState {
    return { specs: this.specs.map((s) => s.spec), seed: this.seedValue };
  }

  clear(): void {
    this.set([], this.seedValue);
  }

  /**
   * The fault to apply to this request/command/task, if any. Each matching
   * spec rolls the seeded RNG once; the first that fires wins.
   */
  match(target: FaultTarget, subject: string): FaultSpec | undefined {
    if (target === 'api' && (subject.includes(' /sim/') || subject.startsWith('/sim/'))) return undefined;
    for (const entry of this.specs) {
      if (entry.spec.target !== target || !entry.re.test(subject)) continue;
      if (entry.spec.times !== undefined && entry.fired >= entry.spec.times) continue;
      const rate = entry.spec.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      entry.fired++;
      return entry.spec;
    }
    return undefined;
  }
}
