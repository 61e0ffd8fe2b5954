/** Argument checks for `phoenix-client schedule`: ids and cron strings, before anything is sent. */
import { UsageError } from '../errors';

export const SCHEDULE_PREFIX = 'phoenix-rebuild-';

/** `nightly` → `phoenix-rebuild-nightly`; an id already carrying the prefix is kept. */
export function scheduleIdFrom(name: string): string {
  const id = name.startsWith(SCHEDULE_PREFIX) ? name : `${SCHEDULE_PREFIX}${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) || id === SCHEDULE_PREFIX) {
    throw new UsageError(`schedule id ${JSON.stringify(name)} must be 1-128 letters, digits, '.', '_' or '-'`, 'schedule');
  }
  return id;
}

const FIELD_RANGES: Array<[string, number, number]> = [
  ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31], ['month', 1, 12], ['day of week', 0, 7],
];

/**
 * A classic five-field cron (`minute hour day-of-month month day-of-week`), numbers only, with
 * `*`, lists, ranges and steps. Checked here so a typo exits 2 naming --cron instead of
 * becoming a schedule that never fires.
 */
export function checkCron(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  const bad = (why: string) => new UsageError(`--cron ${JSON.stringify(cron)} is not a valid cron expression: ${why} (expected five fields such as '0 3 * * 0')`, 'schedule');
  if (fields.length !== 5) throw bad(`${fields.length} field(s)`);
  fields.forEach((field, i) => {
    const [name, min, max] = FIELD_RANGES[i]!;
    for (const part of field.split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) throw bad(`${name} field ${JSON.stringify(field)}`);
      const nums = [m[2], m[3]].filter((n): n is string => n !== undefined).map(Number);
      if (nums.some((n) => n < min || n > max)) throw bad(`${name} out of range ${min}-${max}`);
      if (m[4] !== undefined && Number(m[4]) < 1) throw bad(`${name} step must be at least 1`);
    }
  });
  return fields.join(' ');
}

/** `900,901` → [900, 901]; anything but container ids is a usage error naming --templates. */
export function templateIdsArg(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') throw new UsageError('schedule create needs --templates, e.g. --templates 900,901', 'schedule');
  return raw.split(',').map((p) => {
    const s = p.trim();
    if (!/^[0-9]+$/.test(s)) throw new UsageError(`--templates: ${JSON.stringify(s)} is not a container ID (expected numbers such as 900,901)`, 'schedule');
    return Number(s);
  });
}
