// Window 7: input the loader used to accept or report badly. Duplicate keys (last one used to
// win silently), a gateway outside the subnet, a BOM or NaN reported at the end of the file over
// two lines, a 10 MB value echoed whole, a `__proto__` key dropped without a word.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CONFIG_FILES, ConfigError, formatIssue, parseConfigSources, type ConfigFileKind } from '../../src/config';
import { SHIPPED_CONFIG_DIR } from './fixtures';

const shipped = (kind: ConfigFileKind) => readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[kind]), 'utf8');

/** The error lines for the shipped config with one file's text replaced. */
function errorsWith(kind: ConfigFileKind, text: string): string[] {
  const sources = { lxc: { text: shipped('lxc') }, vm: { text: shipped('vm') }, hypervisor: { text: shipped('hypervisor') }, [kind]: { text } };
  try {
    parseConfigSources(sources);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
  return [];
}

function editLxc(change: (j: any) => void): string {
  const j = JSON.parse(shipped('lxc'));
  change(j);
  return JSON.stringify(j, null, 2);
}

describe('the config loader refuses what it used to accept', () => {
  test('a duplicate key is refused with both locations', { timeout: 5_000 }, () => {
    const text = shipped('lxc').replace('"memory_mb": 2048,', '"memory_mb": 32768,\n    "memory_mb": 16,');
    const errors = errorsWith('lxc', text);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /^phoenix_lxc_configs\.json: lxc_configs\.900\.memory_mb: duplicate key "memory_mb" at line \d+, column \d+ \(first at line \d+, column \d+\)/);
  });

  test('a guest id given twice is refused', { timeout: 5_000 }, () => {
    const text = shipped('lxc').replace('"901": {', '"900": {');
    const errors = errorsWith('lxc', text);
    assert.ok(errors.some((e) => /lxc_configs\.900: duplicate key "900"/.test(e)), errors.join('\n'));
  });

  test('a gateway outside the subnet, equal to the own address, or a network/broadcast address as host IP', { timeout: 5_000 }, () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ip: '10.0.0.150/24', gw: '10.0.1.1' }, /network_config\.gw: 10\.0\.1\.1 is not in the guest's subnet 10\.0\.0\.0\/24/],
      [{ ip: '10.0.0.150/24', gw: '10.0.0.150' }, /network_config\.gw: 10\.0\.0\.150 is the guest's own address/],
      [{ ip: '10.0.0.0/24', gw: '10.0.0.1' }, /network_config\.ip: 10\.0\.0\.0 is the network address of 10\.0\.0\.0\/24/],
      [{ ip: '10.0.0.255/24', gw: '10.0.0.1' }, /network_config\.ip: 10\.0\.0\.255 is the broadcast address of 10\.0\.0\.0\/24/],
      [{ ip: '10.0.0.150/24', gw: '10.0.0.255' }, /network_config\.gw: 10\.0\.0\.255 is the broadcast address/],
    ];
    for (const [net, expected] of cases) {
      const errors = errorsWith('lxc', editLxc((j) => Object.assign(j.lxc_configs['952'].network_config, net)));
      assert.ok(errors.some((e) => e.startsWith('phoenix_lxc_configs.json: lxc_configs.952.') && expected.test(e)), `${JSON.stringify(net)}:\n${errors.join('\n')}`);
    }
    assert.deepEqual(errorsWith('lxc', editLxc((j) => Object.assign(j.lxc_configs['952'].network_config, { ip: '10.0.0.31/31', gw: '10.0.0.30' }))), []);
  });

  test('a BOM and a NaN: located exactly, one line each', { timeout: 5_000 }, () => {
    const bom = errorsWith('vm', '\ufeff' + shipped('vm'));
    assert.deepEqual(bom, ['phoenix_vm_configs.json: not valid JSON at line 1, column 1: byte order mark (U+FEFF) before the JSON: save the file as UTF-8 without BOM']);
    const nan = errorsWith('lxc', shipped('lxc').replace('"cores": 2,', '"cores": NaN,'));
    assert.equal(nan.length, 1, nan.join('\n'));
    assert.match(nan[0]!, /^phoenix_lxc_configs\.json: not valid JSON at line \d+, column \d+: unexpected token NaN$/);
    const line = shipped('lxc').split('\n').findIndex((l) => l.includes('"cores": 2,')) + 1;
    assert.ok(nan[0]!.includes(`at line ${line}, column ${shipped('lxc').split('\n')[line - 1]!.indexOf('2') + 1}`), nan[0]);
  });

  test('a 10 MB value is echoed as at most ~80 characters', { timeout: 10_000 }, () => {
    const errors = errorsWith('lxc', editLxc((j) => (j.lxc_configs['952'].name = 'a.'.repeat(5_000_000))));
    assert.ok(errors.length >= 1);
    for (const e of errors) assert.ok(e.length < 400, `${e.length} characters: ${e.slice(0, 300)}…`);
    assert.ok(errors.some((e) => e.includes('lxc_configs.952.name')), errors.join('\n').slice(0, 1000));
  });

  test('__proto__ and constructor keys are refused, naming where', { timeout: 5_000 }, () => {
    const proto = errorsWith('lxc', shipped('lxc').replace('"lxc_configs": {', '"lxc_configs": {\n    "__proto__": { "cores": 1 },'));
    assert.ok(proto.some((e) => e.startsWith('phoenix_lxc_configs.json: lxc_configs.__proto__: ') && /not allowed/.test(e)), proto.join('\n'));
    const ctor = errorsWith('hypervisor', shipped('hypervisor').replace('{', '{\n  "constructor": 1,'));
    assert.ok(ctor.some((e) => e.startsWith('phoenix_hypervisor_config.json: constructor: ') && /not allowed/.test(e)), ctor.join('\n'));
  });
});
