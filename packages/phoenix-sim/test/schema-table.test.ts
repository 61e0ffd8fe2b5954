import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaFile, type PveRelease, type SchemaParam } from '../src/pve-schema';
import { SchemaValidator } from '../src/pve-schema/validator';
import { withSim } from './helpers';

/**
 * Table derived from the generated schema files: for every implemented endpoint, an unknown
 * parameter, and for every constrained parameter one out-of-range or badly formatted value,
 * must be refused with PVE's 400 `Parameter verification failed.` naming that parameter,
 * before anything happens (the ledger does not move).
 */
const PATH_VALUES: Record<string, string> = { node: 'pve', vmid: '100', snapname: 'snap1', storage: 'local', upid: 'UPID:pve:00001234:00001234:5F000000:vzstart:100:root@pam:' };

interface Case {
  param: string;
  value: string;
  /** What PVE's message for this check says. */
  expect: RegExp;
  inPath?: boolean;
}

/** A value that breaks the parameter's first constraint, with the message PVE gives for it; none when unconstrained. */
function badValue(name: string, p: SchemaParam, validator: SchemaValidator): Case | undefined {
  if (p.alias) return undefined;
  // PVE checks a format before the enumeration.
  if (p.enum) return { param: name, value: 'not-an-enum-value', expect: p.format ? /does not have a value in the enumeration|^invalid format - / : /does not have a value in the enumeration/ };
  if (p.type === 'boolean') return { param: name, value: 'maybe', expect: /type check \('boolean'\) failed - got 'maybe'/ };
  if (p.type === 'integer' || p.type === 'number') {
    // PVE checks the format (`pve-vmid`) before the range.
    const orFormat = p.format ? '|^invalid format - ' : '';
    if (p.maximum !== undefined) return { param: name, value: String(p.maximum + 1), expect: new RegExp(`maximum value of ${p.maximum}${orFormat}`) };
    if (p.minimum !== undefined) return { param: name, value: String(p.minimum - 1), expect: new RegExp(`minimum value of ${p.minimum}${orFormat}`) };
    return { param: name, value: '12abc', expect: new RegExp(`type check \\('${p.type}'\\) failed`) };
  }
  if (p.properties) return { param: name, value: 'bogus-key=1', expect: /invalid format - invalid key in comma-separated list property: bogus-key/ };
  if (p.format && !validator.uncheckedFormats.has(p.format) && p.format !== 'string' && p.format !== 'urlencoded') {
    return { param: name, value: '!bad value!', expect: /^invalid format - / };
  }
  if (p.format === 'urlencoded') return { param: name, value: 'a b', expect: /invalid urlencoded string/ };
  if (p.pattern !== undefined) {
    const re = new RegExp(`^${p.pattern}$`);
    const value = ['!', '@@', 'x y z'].find((v) => !re.test(v));
    if (value !== undefined) return { param: name, value, expect: /value does not match the regex pattern/ };
  }
  if (p.maxLength !== undefined) return { param: name, value: 'a'.repeat(p.maxLength + 1), expect: new RegExp(`may only be ${p.maxLength} characters long`) };
  return undefined;
}

function casesFor(params: Record<string, SchemaParam>, pathNames: Set<string>, validator: SchemaValidator, open: boolean): Case[] {
  const cases: Case[] = open ? [] : [{ param: 'bogus', value: '1', expect: /^property is not defined in schema and the schema does not allow additional properties$/ }];
  for (const [name, p] of Object.entries(params)) {
    const m = /^(.*)\[n\]$/.exec(name);
    if (m && p.index) {
      // One past the last index is not a parameter at all (`net32`, `scsi31`, `mp256`).
      cases.push({ param: `${m[1]}${p.index[1] + 1}`, value: 'x', expect: /^property is not defined in schema/ });
      const c = badValue(`${m[1]}${p.index[1]}`, p, validator);
      if (c) cases.push(c);
      continue;
    }
    const c = badValue(name, p, validator);
    if (c) cases.push({ ...c, inPath: pathNames.has(name) });
  }
  return cases;
}

for (const release of ['8.2', '9.0'] as PveRelease[]) {
  test(`PVE ${release} schema: every endpoint refuses unknown and bad parameters with 400 before acting`, { timeout: 120_000 }, async () => {
    const s = await withSim({ pveVersion: release });
    try {
      const validator = new SchemaValidator(release);
      const auth = { Authorization: `PVEAPIToken=${s.sim.tokenId}=${s.sim.tokenSecret}` };
      const ledgerBefore = s.sim.ledger().length;
      let checked = 0;
      const endpoints = Object.entries(schemaFile(release).endpoints);
      assert.ok(endpoints.length >= 55, `only ${endpoints.length} endpoints in the ${release} schema`);
      for (const [key, params] of endpoints) {
        const [method, template] = key.split(' ') as [string, string];
        const pathNames = new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!));
        for (const c of casesFor(params, pathNames, validator, schemaFile(release).additionalProperties.includes(key))) {
          const path = template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(c.inPath && n === c.param ? c.value : PATH_VALUES[n]!));
          const query = new URLSearchParams(c.inPath ? {} : { [c.param]: c.value }).toString();
          const init = method === 'GET' || method === 'DELETE'
            ? { method, headers: auth }
            : { method, headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' }, body: query };
          const url = `/api2/json${path}${method === 'GET' || method === 'DELETE' ? (query ? `?${query}` : '') : ''}`;
          const res = await s.rawFetch(url, init);
          const text = await res.text();
          const what = `${key} ${c.param}=${JSON.stringify(c.value.slice(0, 40))}`;
          assert.equal(res.status, 400, `${what}: ${res.status} ${text}`);
          assert.equal(res.headers.get('content-type'), 'application/json;charset=UTF-8', what);
          const body = JSON.parse(text) as { data: null; errors: Record<string, string> };
          assert.equal(body.data, null, what);
          assert.match(body.errors[c.param] ?? '', c.expect, `${what}: ${text}`);
          checked++;
        }
      }
      assert.equal(s.sim.ledger().length, ledgerBefore, 'a refused request changed something');
      assert.ok(checked > 300, `only ${checked} cases`);
      console.log(`PVE ${release}: ${endpoints.length} endpoints, ${checked} refused calls`);
    } finally {
      await s.close();
    }
  });
}

test('issue examples: refused as PVE refuses them, nothing stored', { timeout: 60_000 }, async () => {
  const s = await withSim();
  try {
    const auth = { Authorization: `PVEAPIToken=${s.sim.tokenId}=${s.sim.tokenSecret}`, 'Content-Type': 'application/x-www-form-urlencoded' };
    const post = async (path: string, body: Record<string, string>, method = 'POST') => {
      const r = await s.rawFetch(`/api2/json${path}`, { method, headers: auth, body: new URLSearchParams(body).toString() });
      return { status: r.status, body: JSON.parse(await r.text()) as { errors?: Record<string, string> } };
    };
    const ct = { vmid: '950', ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', rootfs: 'local-zfs:8' };
    const refusals: Array<[Record<string, string>, string, RegExp]> = [
      [{ memory: '8' }, 'memory', /minimum value of 16/],
      [{ cores: '0' }, 'cores', /minimum value of 1/],
      [{ swap: '-1' }, 'swap', /minimum value of 0/],
      [{ ostype: 'windows' }, 'ostype', /enumeration/],
      [{ arch: 'sparc' }, 'arch', /enumeration/],
      [{ hostname: 'bad_host!' }, 'hostname', /valid DNS name/],
      [{ net0: 'name=eth0,bridge=vmbr0,ip=300.1.1.1/24' }, 'net0', /net0\.ip: invalid format - value does not look like a valid ipv4 network configuration/],
      [{ features: 'nesting=maybe' }, 'features', /features\.nesting: type check \('boolean'\) failed - got 'maybe'/],
      [{ description: 'x'.repeat(9000) }, 'description', /8192 characters/],
      [{ net32: 'name=eth0' }, 'net32', /not defined in schema/],
      [{ mp256: 'local-zfs:1,mp=/x' }, 'mp256', /not defined in schema/],
      [{ entrypoint: '/bin/sh' }, 'entrypoint', /not defined in schema/],
    ];
    for (const [extra, key, expect] of refusals) {
      const r = await post('/nodes/pve/lxc', { ...ct, ...extra });
      assert.equal(r.status, 400, key);
      assert.match(r.body.errors?.[key] ?? '', expect, key);
    }
    const vm = await post('/nodes/pve/qemu', { vmid: '951', scsi31: 'local-zfs:1', ipconfig0: 'ip=300.0.0.1/24' });
    assert.equal(vm.status, 400);
    assert.match(vm.body.errors?.scsi31 ?? '', /not defined in schema/);
    assert.match(vm.body.errors?.ipconfig0 ?? '', /ipconfig0\.ip: invalid format/);
    const bad = await s.rawFetch('/api2/json/nodes/pve/lxc/abc/config', { headers: auth });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(await bad.text()).errors.vmid, /type check \('integer'\) failed - got 'abc'/);
    // 8.2 keys accepted by the schema (valid on PVE 8.2) reach the handler: the VM does not exist.
    const keys = await post('/nodes/pve/qemu/951/config', { keephugepages: '1', smp: '2', vmstatestorage: 'local-zfs' });
    assert.equal(keys.status, 500);
    assert.equal(s.sim.ledger({ kind: 'lxc.create,qemu.create' }).length, 0);
  } finally {
    await s.close();
  }
});
