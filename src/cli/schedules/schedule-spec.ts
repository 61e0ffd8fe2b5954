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

/**
 * Temporal's cron grammar (the server's parseCronString, service/worker/scheduler/calendar.go),
 * so `--cron` exits 2 on exactly the strings the server would refuse, before anything is sent:
 * 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7 (second first, + year);
 * `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/`@hourly`; per field `*`, values,
 * `a-b`, `/step` and `,` lists; month names (3+ letters) and day names (2+ letters) as prefixes
 * of the English name, any case; day of week 0-7 (7 is Sunday); a trailing `# comment` (at most
 * 200 bytes). Deliberately narrower than the server: `TZ=`/`CRON_TZ=` prefixes and `@every`
 * intervals are refused, since Phoenix schedules are UTC calendar crons.
 * test/e2e/cron-grammar.test.ts submits a table of expressions to the dev server to keep this
 * in step with Temporal.
 */
export function checkCron(cron: string): string {
  const bad = (why: string) =>
    new UsageError(`--cron ${JSON.stringify(cron)} is not a valid cron expression: ${why} (expected five fields such as '0 3 * * 0')`, 'schedule');
  const trimmed = cron.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) throw bad('time zone prefixes are not supported (Phoenix schedules run in UTC)');
  if (trimmed.startsWith('@every')) throw bad('@every intervals are not supported (use a calendar cron)');
  const hash = trimmed.indexOf('#');
  const body = (hash < 0 ? trimmed : trimmed.slice(0, hash)).trim();
  const comment = hash < 0 ? '' : trimmed.slice(hash + 1).trim();
  if (Buffer.byteLength(comment) > 200) throw bad('the comment is longer than 200 bytes');
  const fields = (PREDEFINED[body] ?? body).split(/\s+/).filter(Boolean);
  const layout = LAYOUTS[fields.length];
  if (!layout) throw bad(`${fields.length} field(s), expected 5, 6 or 7`);
  layout.forEach((name, i) => {
    const problem = fieldProblem(fields[i]!, FIELDS[name]);
    if (problem) throw bad(`${name} ${problem}`);
  });
  return fields.join(' ') + (comment ? ` # ${comment}` : '');
}

const PREDEFINED: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

type FieldName = 'second' | 'minute' | 'hour' | 'day of month' | 'month' | 'day of week' | 'year';
const LAYOUTS: Record<number, FieldName[]> = {
  5: ['minute', 'hour', 'day of month', 'month', 'day of week'],
  6: ['minute', 'hour', 'day of month', 'month', 'day of week', 'year'],
  7: ['second', 'minute', 'hour', 'day of month', 'month', 'day of week', 'year'],
};

interface Field { min: number; max: number; names?: { list: string[]; minLength: number; first: number } }
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const FIELDS: Record<FieldName, Field> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  'day of month': { min: 1, max: 31 },
  month: { min: 1, max: 12, names: { list: MONTHS, minLength: 3, first: 1 } },
  'day of week': { min: 0, max: 7, names: { list: DAYS, minLength: 2, first: 0 } },
  year: { min: 2000, max: 2100 },
};

/** Go's strconv.Atoi: optional sign, ASCII digits, within int64. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const big = BigInt(text);
  return big > 9223372036854775807n || big < -9223372036854775808n ? undefined : Number(big);
}

/** A value or a name prefix (the server's parseValue), or undefined when out of [min, max]. */
function value(text: string, field: Field, min: number): number | undefined {
  const names = field.names;
  if (names && text.length >= names.minLength) {
    const i = names.list.findIndex((n) => n.startsWith(text.toLowerCase()));
    if (i >= 0) return i + names.first >= min && i + names.first <= field.max ? i + names.first : undefined;
  }
  const n = atoi(text);
  return n !== undefined && n >= min && n <= field.max ? n : undefined;
}

/** Why one field is refused (the server's makeRange), or undefined when it is accepted. */
function fieldProblem(text: string, field: Field): string | undefined {
  for (const raw of text.split(',')) {
    let part = raw;
    const slashes = part.split('/').length - 1;
    if (slashes > 1) return `${JSON.stringify(text)} has too many slashes`;
    if (slashes === 1) {
      const [range, stepText] = part.split('/') as [string, string];
      if (stepText === '') return `${JSON.stringify(text)} is missing a step value`;
      const step = atoi(stepText);
      if (step === undefined) return `step ${JSON.stringify(stepText)} is not a number`;
      if (step < 1) return 'step must be at least 1';
      part = range;
    }
    if (part === '*') continue;
    const range = `${field.min}-${field.max}`;
    if (part.includes('-')) {
      const dashes = part.split('-');
      if (dashes.length > 2) return `${JSON.stringify(part)} has too many dashes`;
      const start = value(dashes[0]!, field, field.min);
      if (start === undefined) return `range start ${JSON.stringify(dashes[0])} is not in range ${range}`;
      if (value(dashes[1]!, field, start) === undefined) return `range end ${JSON.stringify(dashes[1])} is before the start or not in range ${range}`;
    } else if (value(part, field, field.min) === undefined) {
      return `${JSON.stringify(part)} is not in range ${range}`;
    }
  }
  return undefined;
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
