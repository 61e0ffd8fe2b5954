/**
 * Turns zod's issues into `file: json.path: message` lines a person can act on: "is required" rather
 * than "received undefined", and for an unknown key the nearest known key ("did you mean memory_mb?").
 */
import { z } from 'zod';
import { formatPath, type ConfigIssue } from './issues';
import { describeJsonType, valueAt } from './json-walk';
import { didYouMean } from './suggest';

type ZodIssue = z.core.$ZodIssue;

export function issuesFromZod(file: string, error: z.ZodError, schema: z.ZodType, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of error.issues) {
    if (i.code === 'unrecognized_keys') {
      const known = objectKeysAt(schema, i.path);
      for (const key of i.keys) {
        out.push({ file, path: formatPath([...toPath(i.path), key]), message: `unknown key${didYouMean(key, known)}` });
      }
      continue;
    }
    out.push({ file, path: formatPath(toPath(i.path)), message: describe(i, valueAt(raw, toPath(i.path))) });
  }
  return out;
}

function toPath(path: PropertyKey[]): (string | number)[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

function describe(i: ZodIssue, value: unknown): string {
  switch (i.code) {
    case 'invalid_type':
      return value === undefined ? 'is required' : `expected ${article(i.expected)}, got ${describeJsonType(value)}`;
    case 'invalid_key':
      return i.issues[0]?.message ?? 'invalid key';
    case 'invalid_value':
      return `must be one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}${typeof value === 'string' ? didYouMean(value, i.values.map(String)) : ''}`;
    case 'too_small':
      return i.origin === 'string' ? 'must not be empty' : `must be at least ${String(i.minimum)}`;
    case 'too_big':
      return i.origin === 'string' ? `must be at most ${String(i.maximum)} characters` : `must be at most ${String(i.maximum)}`;
    case 'invalid_format':
      return i.message.startsWith('Invalid') ? `has an invalid format` : i.message;
    default:
      return i.message;
  }
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  if (type === 'array' || type === 'object') return `an ${type}`;
  return `a ${type}`;
}

/** Keys of the object schema found at `path`, for suggestions. */
function objectKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    if (cur instanceof z.ZodObject) cur = cur.shape[String(seg)] as z.ZodType | undefined;
    else if (cur instanceof z.ZodRecord) cur = cur.valueType as z.ZodType;
    else if (cur instanceof z.ZodArray) cur = cur.element as z.ZodType;
    else return [];
    cur = cur && unwrap(cur);
  }
  return cur instanceof z.ZodObject ? Object.keys(cur.shape).filter((k) => k !== '$schema') : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let cur: z.ZodType = schema;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else return cur;
  }
}
