/**
 * The config files' JSON, read by a strict parser of its own rather than JSON.parse, because being
 * stricter is the point: JSON.parse keeps the last of two equal keys without a word (a second
 * `memory_mb`, a guest id given twice), drops a `__proto__` key into the prototype, and on Node 20
 * says neither where a BOM or a `NaN` is (it reports the end of the file, quoting the whole text).
 * This one follows RFC 8259 and reports:
 * - syntax errors at the exact line and column, in one line, naming the token found;
 * - duplicate keys with both locations, and `__proto__`/`constructor` keys, as key problems with
 *   their JSON path (the file is then not validated further: which value was meant is unknown).
 */
import { quote } from './issues';

export interface JsonSyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

export interface JsonKeyProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

export type JsonParseResult = { ok: true; value: unknown; keyProblems: JsonKeyProblem[] } | { ok: false; problem: JsonSyntaxProblem };

/** Keys that name JavaScript's object machinery: never meaningful in a config, refused. */
const MAX_DEPTH = 64;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

class SyntaxFailure extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJsonText(text: string): JsonParseResult {
  const keyProblems: JsonKeyProblem[] = [];
  let pos = 0;

  const where = (offset: number) => lineAndColumn(text, offset);
  const fail = (reason: string, at = pos): never => {
    throw new SyntaxFailure(at, reason);
  };
  const skipSpace = () => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n' || text[pos] === '\r')) pos++;
  };
  /** What stands at `pos`, for messages: a word (`NaN`, `undefined`), else one character. */
  const found = (): string => {
    if (pos >= text.length) return 'end of file';
    if (text[pos] === '\ufeff') return 'byte order mark (U+FEFF)';
    WORD.lastIndex = pos;
    const word = WORD.exec(text)?.[0];
    const token = word ?? text[pos]!;
    return `token ${token.length > 40 ? `${token.slice(0, 40)}…` : token}`;
  };
  const unexpected = (): never => fail(pos >= text.length ? 'unexpected end of file' : `unexpected ${found()}`);

  function value(path: (string | number)[]): unknown {
    skipSpace();
    // The parser recurses: bound the depth so a hostile file cannot overflow the stack.
    if (path.length > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    const c = text[pos];
    if (c === '{') return object(path);
    if (c === '[') return array(path);
    if (c === '"') return string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) return unexpected();
      pos += m[0].length;
      return Number(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        WORD.lastIndex = pos;
        if (WORD.exec(text)![0] === word) {
          pos += word.length;
          return v;
        }
      }
    }
    return unexpected();
  }

  function object(path: (string | number)[]): Record<string, unknown> {
    pos++; // {
    const out: Record<string, unknown> = {};
    const seen = new Map<string, number>();
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail(pos >= text.length ? 'unexpected end of file' : 'expected double-quoted property name');
      const keyAt = pos;
      const key = string();
      skipSpace();
      if (text[pos] !== ':') fail(pos >= text.length ? 'unexpected end of file' : `expected ':' after property name, found ${found()}`);
      pos++;
      const v = value([...path, key]);
      const first = seen.get(key);
      if (first !== undefined) {
        const a = where(keyAt);
        const b = where(first);
        keyProblems.push({ path: [...path, key], message: `duplicate key ${quote(key)} at line ${a.line}, column ${a.column} (first at line ${b.line}, column ${b.column}): keep one` });
      } else if (FORBIDDEN_KEYS.has(key)) {
        const a = where(keyAt);
        keyProblems.push({ path: [...path, key], message: `the key ${quote(key)} (line ${a.line}, column ${a.column}) is not allowed: it names JavaScript's object machinery, not a setting` });
      } else {
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      }
      if (first === undefined) seen.set(key, keyAt);
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      fail(pos >= text.length ? 'unexpected end of file' : `expected ',' or '}' after a property value, found ${found()}`);
    }
  }

  function array(path: (string | number)[]): unknown[] {
    pos++; // [
    const out: unknown[] = [];
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(value([...path, out.length]));
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      fail(pos >= text.length ? 'unexpected end of file' : `expected ',' or ']' after an array element, found ${found()}`);
    }
  }

  function string(): string {
    const start = pos;
    pos++; // opening quote
    let out = '';
    for (;;) {
      const c = text[pos];
      if (c === undefined) return fail('unterminated string', start);
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const e = text[pos + 1];
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9A-Fa-f]{4}$/.test(hex)) fail('bad \\u escape in string (expected 4 hex digits)');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          pos += 2;
        } else {
          fail(`bad escape \\${e ?? ''} in string`);
        }
        continue;
      }
      if (c < ' ') fail(c === '\n' ? 'line break inside a string (write \\n)' : `control character U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} inside a string`);
      // Copy the run of plain characters at once: a 10 MB value stays linear.
      let end = pos + 1;
      while (end < text.length && text[end] !== '"' && text[end] !== '\\' && text[end]! >= ' ') end++;
      out += text.slice(pos, end);
      pos = end;
    }
  }

  try {
    if (text.startsWith('\ufeff')) fail('byte order mark (U+FEFF) before the JSON: save the file as UTF-8 without BOM', 0);
    const v = value([]);
    skipSpace();
    if (pos < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
    return { ok: true, value: v, keyProblems };
  } catch (err) {
    if (!(err instanceof SyntaxFailure)) throw err;
    return { ok: false, problem: { ...where(err.offset), reason: err.reason } };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
