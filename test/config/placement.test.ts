// Placement and routes across nodes (pure: the live answers are given).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILES, formatIssue, parseConfigSources, type ConfigFileKind, type PhoenixConfig } from '../../src/config';
import { placeGuests, sourceOn, type ClusterLive } from '../../src/planning/placement';
import { fleetDag } from '../../src/activities/placement/place-fleet';
import { SHIPPED_CONFIG_DIR } from './fixtures';

type Json = any;
const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const shipped = (kind: ConfigFileKind): Json => JSON.parse(readFileSync(join(SHIPPED_CONFIG_DIR, CONFIG_FILES[kind]), 'utf8'));

function cluster(edit: (files: { lxc: Json; vm: Json; hypervisor: Json }) => void = () => {}): PhoenixConfig {
  const files = { lxc: shipped('lxc'), vm: shipped('vm'), hypervisor: shipped('hypervisor') };
  files.hypervisor.proxmox.node = 'pve1';
  files.hypervisor.proxmox.nodes = [
    { name: 'pve1', gpus: [{ index: 0 }] },
    { name: 'pve2', ssh: { host: '10.0.0.12', host_key_fingerprint: FP }, gpus: [{ index: 0 }] },
    { name: 'pve3', ssh: { host: '10.0.0.13', host_key_fingerprint: FP }, gpus: [] },
  ];
  edit(files);
  return parseConfigSources({ lxc: { text: JSON.stringify(files.lxc) }, vm: { text: JSON.stringify(files.vm) }, hypervisor: { text: JSON.stringify(files.hypervisor) } }).config;
}

const live = (over: Partial<ClusterLive> = {}): ClusterLive => ({
  nodes: [
    { name: 'pve1', freeMemoryMb: 200_000, freeCores: 64 },
    { name: 'pve2', freeMemoryMb: 200_000, freeCores: 64 },
    { name: 'pve3', freeMemoryMb: 200_000, freeCores: 64 },
  ],
  existing: {},
  sharedStorages: [],
  gpus: {},
  ...over,
});

describe('placement', () => {
  test('templates stay on the API node; leaves spread by free memory; local storage means per-node chain copies', { timeout: 10_000 }, () => {
    const config = cluster();
    const { guests, issues } = placeGuests(config, live());
    assert.deepEqual(issues, []);
    const at = new Map(guests.map((g) => [g.id, g]));
    for (const t of [900, 901, 902, 920]) assert.equal(at.get(t)!.node, 'pve1', `template ${t}`);
    const leaves = config.containers.filter((c) => c.template_snapshot_name === undefined).map((c) => at.get(c.id)!);
    assert.ok(leaves.some((l) => l.node !== 'pve1'), 'some leaf goes to another node');
    for (const leaf of leaves.filter((l) => l.node !== 'pve1' && l.source)) {
      assert.equal(leaf.source!.route, 'per-node-chain-copy');
      assert.match(leaf.source!.why, /not shared/);
      const copy = at.get(leaf.source!.id)!;
      assert.equal(copy.node, leaf.node);
      assert.ok(copy.copyOf !== undefined);
    }
    // Each copy exists once per node, and its own parent is copied to that node too (the chain).
    const copies = guests.filter((g) => g.copyOf !== undefined);
    assert.equal(new Set(copies.map((c) => `${c.node}/${c.copyOf}`)).size, copies.length);
    for (const c of copies.filter((x) => x.source)) assert.equal(at.get(c.source!.id)!.node, c.node);
    // Deterministic: the same answers place the same way.
    assert.deepEqual(placeGuests(config, live()).guests, guests);
  });

  test('a guest that exists stays where it is; shared storage means a clone with target', { timeout: 10_000 }, () => {
    const config = cluster();
    const where = placeGuests(config, live({ existing: { '952': 'pve3' }, sharedStorages: ['local-zfs'] }));
    const g952 = where.guests.find((g) => g.id === 952)!;
    assert.equal(g952.node, 'pve3');
    assert.equal(g952.why, 'exists on pve3');
    assert.equal(g952.source!.route, 'clone-with-target');
    assert.equal(g952.source!.node, 'pve1');
    assert.equal(where.guests.filter((g) => g.copyOf !== undefined).length, 0);
    assert.equal(sourceOn(config, live(), 952, 'pve2')!.id, 200902);
  });

  test('GPU guests go where their GPU has room; over-subscription by placement is refused naming the guests', { timeout: 10_000 }, () => {
    const config = cluster((f) => {
      for (const id of ['961', '962', '963']) {
        const g = structuredClone(f.lxc.lxc_configs['950']);
        Object.assign(g, { name: `vllm-${id}`, mac_address: `52:54:00:67:89:${id.slice(1)}`, vllm_gpu_memory_utilization: 0.6, network_config: { ...g.network_config, ip: `10.0.0.${id.slice(1)}/24` } });
        f.lxc.lxc_configs[id] = g;
      }
      f.lxc.lxc_configs['950'].vllm_gpu_memory_utilization = 0.3;
    });
    const { issues, guests } = placeGuests(config, live());
    const lines = issues.map(formatIssue);
    // 950 (0.3) and 961 (0.6) fit on one GPU, 962 on the other; 963 has nowhere to go.
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /lxc_configs\.963\.gpu_assignment: no node has GPU 0 with room for 0\.6 of its memory/);
    assert.match(lines[0]!, /GPU 0 claimed by/);
    assert.equal(new Set(guests.filter((g) => [950, 961, 962].includes(g.id)).map((g) => g.node)).size, 2);
    assert.ok(guests.every((g) => g.node !== 'pve3' || g.gpus.length === 0), 'no GPU guest on the node without GPUs');
  });

  test("up's DAG: copies are prerequisites of the guests cloned from them, once per node", { timeout: 10_000 }, () => {
    const config = cluster();
    const { nodes } = fleetDag(config, placeGuests(config, live()), undefined);
    const ids = nodes.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const n of nodes) for (const p of n.prerequisites) assert.ok(ids.includes(p), `${n.id} needs ${p}`);
    for (const n of nodes.filter((x) => x.copyOf !== undefined)) assert.equal(n.startAtBoot, false);
  });
});
