/**
 * Acceptance (issue 11): `up --all` on a 3-node simulated cluster whose templates live on local ZFS
 * (`local-zfs`, not shared). Placement puts guests on all three nodes; each node that needs a
 * template gets its own copy of the chain (template ID + the node's offset), built once; clones of
 * one source never overlap, everything else does. All asserted from the simulator's ledger.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { joinSimCluster } from '../../scripts/lib/sim-cluster';
import { startStack, type LedgerEntry, type Stack } from '../../scripts/lib/stack';
import { Client, Connection } from '@temporalio/client';
import type { PhoenixUpResult } from '../../src/shared/phoenix-up';
import { cloneIntervals, configCopy, countBy, ledgerText, TIME_SCALE, type CloneInterval, type ConfigCopy } from './helpers';

const NODES = ['pve1', 'pve2', 'pve3'];

describe('up --all on a 3-node cluster with templates on local ZFS', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    config = configCopy();
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir, simArgs: ['--nodes', NODES.join(',')] });
    // The simulator's hosts each have one GPU (its host profile).
    assert.deepEqual(joinSimCluster(config.dir, stack.sim.env, { gpus: [{ index: 0, model: 'NVIDIA GeForce RTX 3090', memory_mb: 24576 }] }), NODES);
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('places guests on all nodes, builds the chain once where each node needs it, never overlaps two clones of one source', { timeout: 900_000 }, async () => {
    const run = await stack.cli(['up', '--all', '--concurrency', '3']);
    assert.equal(run.code, 0, `up failed:\n${run.stdout}\n${run.stderr}`);
    const ledger = await stack.ledger();
    const why = `\nledger:\n${ledgerText(ledger.filter((e) => e.details?.upid))}`;

    // Guests on all three nodes (where each started).
    const startedOn = new Map<number, string>();
    for (const e of ledger) if (e.kind === 'lxc.start' || e.kind === 'qemu.start') startedOn.set(e.vmid!, e.node!);
    assert.deepEqual(new Set(startedOn.values()), new Set(NODES), `guests did not land on every node: ${JSON.stringify([...startedOn])}${why}`);

    // The chain, per node that needs it, each link built exactly once (create from the ostemplate, clones below it).
    const creates = countBy(ledger, ['lxc.create']);
    const clones = cloneIntervals(ledger);
    const builtTwice = [...countOf(clones.map((c) => c.newid))].filter(([, n]) => n > 1);
    assert.deepEqual(builtTwice, [], `a guest was cloned twice${why}`);
    assert.ok(Object.values(creates).every((n) => n === 1), `a container was created twice: ${JSON.stringify(creates)}`);
    const chainRoots = ledger.filter((e) => e.kind === 'lxc.create').map((e) => [e.vmid, e.node]);
    // 900 on pve1 and a copy of it on each other node that a leaf needed (its ID: 900 + that node's offset).
    for (const node of NODES) {
      const leavesThere = [...startedOn].filter(([id, n]) => n === node && ![900, 901, 902, 920].includes(id) && id < 8000);
      if (leavesThere.length === 0) continue;
      assert.ok(chainRoots.some(([, n]) => n === node), `no chain root built on ${node}: ${JSON.stringify(chainRoots)}${why}`);
    }
    const cloneNode = (newid: number) => ledger.find((e) => e.kind === 'lxc.clone' && Number(e.details?.newid) === newid)?.node;
    for (const c of clones) {
      const target = ledger.find((e) => e.kind === 'lxc.start' && e.vmid === c.newid);
      if (target) assert.equal(target.node, cloneNode(c.newid), `CT ${c.newid} was cloned on ${cloneNode(c.newid)} but runs on ${target.node} (local storage: no clone to another node)`);
    }
    for (const copy of clones.filter((c) => c.newid >= 100_000)) assert.ok(copy.source >= 100_000 || copy.source < 1000, `copy ${copy.newid} cloned from ${copy.source}`);

    // Never two clones of one source at once; clones of different sources (and the nodes' chains) overlap.
    const overlap = (a: CloneInterval, b: CloneInterval) => a.start < b.end && b.start < a.end;
    const text = clones.map((c) => `${c.source}→${c.newid} [${c.start}, ${c.end}]`).join('\n');
    for (const a of clones) {
      for (const b of clones) if (a.newid < b.newid && overlap(a, b)) assert.notEqual(a.source, b.source, `two clones of ${a.source} ran at once:\n${text}${why}`);
    }
    assert.ok(clones.some((a) => clones.some((b) => a.newid < b.newid && overlap(a, b))), `no two clones overlapped:\n${text}`);
    // The chain roots (900 and its copies on the other nodes) were built at the same time.
    const upId = /started (phoenix-up-[0-9a-f]{12})/.exec(run.stderr)![1]!;
    const connection = await Connection.connect({ address: stack.temporal.address });
    try {
      const report = (await new Client({ connection, namespace: stack.temporal.namespace }).workflow.getHandle(upId).result()) as PhoenixUpResult;
      const roots = report.succeeded.filter((s) => s.id % 100_000 === 900);
      assert.ok(roots.length >= 2, `the chain was not copied: ${JSON.stringify(roots)}`);
      assert.ok(roots.some((a) => roots.some((b) => a.id < b.id && a.startedAt < b.endedAt && b.startedAt < a.endedAt)), `the copies of 900 were built one after the other: ${JSON.stringify(roots)}`);
    } finally {
      await connection.close();
    }
  });
});

function countOf(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

export type { LedgerEntry };
