// Property-based fuzz of the config loader (fast-check): the shipped files, mutated at random
// (values replaced by arbitrary JSON, keys deleted or added, `__proto__`/`constructor`, keys
// given twice, bytes inserted, a BOM, the text cut short), are either accepted or refused with
// a ConfigError whose every line names the file and the JSON path (or, for text that is not
// JSON, the line and column), stays on one line and echoes no more than a short excerpt. Nothing
// else is ever thrown. A sample goes through the real CLI: exit 0, or exit 2 naming file and path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CONFIG_FILES, ConfigError, formatIssue, parseConfigSources, type ConfigFileKind } from '../../src/config';
import { runCliInProcess } from '../cli/run-cli';
import { ConfigFixture, SHIPPED_CONFIG_DIR } from './fixtures';

type Json = unknown;
const KINDS: ConfigFileKind[] = ['lxc', 'vm', 'hypervisor'];
const shipped = Object.fromEntries(KINDS.map((k) => [k, readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[k]), 'utf8')])) as Record<ConfigFileKind, string>;

/** Every container path (objects and arrays) in a JSON value, root included. */
function containers(value: Json, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const out = [path];
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) out.push(...containers(v, [...path, k]));
  return out;
}

function at(root: Json, path: Array<string | number>): Record<string | number, Json> {
  return path.reduce<Json>((cur, seg) => (cur as Record<string | number, Json>)[seg], root) as Record<string | number, Json>;
}

type Mutation =
  | { op: 'set'; pick: number; key: number; value: Json }
  | { op: 'delete'; pick: number; key: number }
  | { op: 'add'; pick: number; name: string; value: Json }
  | { op: 'duplicate'; pick: number; key: number; value: Json }
  | { op: 'insert'; offset: number; text: string }
  | { op: 'bom' }
  | { op: 'truncate'; offset: number };

const keyName = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'memory_mb', 'ip', 'gw', '900', 'vmid', 'x'.repeat(300)));
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('10.0.1.1', '10.0.0.0/24', '10.0.0.255/24', 'a'.repeat(5_000), -1, 1e308, '$(reboot)', 'a\nb'),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), pick: fc.nat(), key: fc.nat(), value }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat(), key: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), pick: fc.nat(), name: keyName, value }),
  fc.record({ op: fc.constant('duplicate' as const), pick: fc.nat(), key: fc.nat(), value }),
  fc.record({ op: fc.constant('insert' as const), offset: fc.nat(), text: fc.string({ maxLength: 3 }) }),
  fc.constant({ op: 'bom' as const }),
  fc.record({ op: fc.constant('truncate' as const), offset: fc.nat() }),
);

/** The file's text after the mutations (applied to the parsed JSON, or to the text itself). */
function mutate(text: string, mutations: Mutation[]): string {
  let json = JSON.parse(text) as Json;
  const texts: Mutation[] = [];
  for (const m of mutations) {
    if (m.op === 'insert' || m.op === 'bom' || m.op === 'truncate' || m.op === 'duplicate') {
      texts.push(m);
      continue;
    }
    const paths = containers(json);
    const holder = at(json, paths[m.pick % paths.length]!);
    const keys = Object.keys(holder);
    if (m.op === 'add') {
      if (Array.isArray(holder)) holder.push(m.value);
      else Object.defineProperty(holder, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
    } else if (keys.length) {
      const key = keys[m.key % keys.length]!;
      if (m.op === 'set') holder[key] = m.value;
      else if (Array.isArray(holder)) holder.splice(Number(key), 1);
      else delete holder[key];
    }
    if (paths.length === 0) json = m.op === 'set' ? m.value : json;
  }
  let out: string = JSON.stringify(json, null, 2);
  for (const m of texts) {
    if (m.op === 'bom') out = `\ufeff${out}`;
    if (m.op === 'truncate') out = out.slice(0, m.offset % (out.length + 1));
    if (m.op === 'insert') {
      const i = m.offset % (out.length + 1);
      out = out.slice(0, i) + m.text + out.slice(i);
    }
    if (m.op === 'duplicate') {
      // A key given twice: repeat the first key of the n-th object right after its brace.
      const braces = [...out.matchAll(/\{\n(\s*)("(?:[^"\\]|\\.)*"): /g)];
      if (braces.length) {
        const b = braces[m.pick % braces.length]!;
        out = out.slice(0, b.index! + 2) + `${b[1]}${b[2]}: ${JSON.stringify(m.value)},\n` + out.slice(b.index! + 2);
      }
    }
  }
  return out;
}

const inputs = fc.record({ kind: fc.constantFrom(...KINDS), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) });

function check(kind: ConfigFileKind, text: string): { accepted: boolean; lines: string[] } {
  const sources = { lxc: { text: shipped.lxc }, vm: { text: shipped.vm }, hypervisor: { text: shipped.hypervisor }, [kind]: { text } };
  try {
    parseConfigSources(sources);
    return { accepted: true, lines: [] };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const issue of err.issues) {
      const line = formatIssue(issue);
      assert.ok((Object.values(CONFIG_FILES) as string[]).includes(issue.file), `names a config file: ${line}`);
      assert.ok(issue.path !== '' || /^(not valid JSON at line \d+, column \d+: |must contain a JSON object)/.test(issue.message), `names a path or a line and column: ${line}`);
      assert.doesNotMatch(line, /\n/, 'one line');
      assert.ok(line.length <= 600, `short: ${line.length} characters: ${line.slice(0, 200)}…`);
    }
    return { accepted: false, lines: err.issues.map(formatIssue) };
  }
}

describe('config loader fuzz', () => {
  test('every mutated input is accepted, or refused naming file and path in short single lines', { timeout: 120_000 }, () => {
    let refused = 0;
    fc.assert(
      fc.property(inputs, ({ kind, mutations }) => {
        if (!check(kind, mutate(shipped[kind], mutations)).accepted) refused++;
      }),
      { numRuns: 400, seed: 15 },
    );
    assert.ok(refused > 100, `the fuzz reached the refusals (${refused} of 400)`);
  });

  test('through the CLI: exit 0, or exit 2 with file and path on stderr', { timeout: 60_000 }, async () => {
    const samples = fc.sample(inputs, { numRuns: 12, seed: 15 });
    for (const { kind, mutations } of samples) {
      const fixture = new ConfigFixture();
      try {
        const text = mutate(shipped[kind], mutations);
        fixture.writeText(kind, text);
        const expected = check(kind, text);
        const run = await runCliInProcess(['validate', '--config-dir', fixture.dir]);
        assert.equal(run.status, expected.accepted ? 0 : 2, `${run.stdout}\n${run.stderr}`);
        if (!expected.accepted) assert.ok(run.stderr.includes(expected.lines[0]!), `stderr names ${expected.lines[0]}:\n${run.stderr.slice(0, 2000)}`);
      } finally {
        fixture.remove();
      }
    }
  });
});
