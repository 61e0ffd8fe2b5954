/**
 * Clone slots at fleet scale (issue 11): `up` of 20 leaves cloned from one template. The 20
 * clone tasks of that template never overlap (PVE locks the source for each), while the rest of
 * the leaves' runs does: with four guests at once, the runs overlap each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import type { PhoenixUpResult } from '../../src/shared/phoenix-up';
import { cloneIntervals, configCopy, ledgerText, temporalClient, TIME_SCALE, type ConfigCopy } from './helpers';

const LEAVES = Array.from({ length: 20 }, (_, i) => 960 + i);

describe('clone slots: 20 leaves of one template', () => {
  let stack: Stack;
  let config: ConfigCopy;

  before(async () => {
    config = configCopy(({ lxc }) => {
      const base = lxc.lxc_configs['902'];
      for (const [i, id] of LEAVES.entries()) {
        const hex = (0x60 + i).toString(16).toUpperCase();
        lxc.lxc_configs[String(id)] = {
          ...base, name: `leaf-${id}`, features: [], mac_address: `52:54:00:AA:BC:${hex}`,
          network_config: { ...base.network_config, ip: `10.0.0.${i + 60}/24` },
        };
        delete lxc.lxc_configs[String(id)].template_snapshot_name;
      }
    });
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    config?.remove();
  });

  it('never overlaps two clones of the template, and overlaps everything after the clone', { timeout: 600_000 }, async () => {
    const run = await stack.cli(['up', ...LEAVES.map(String), '--concurrency', '4', '--json']);
    assert.equal(run.code, 0, `up failed:\n${run.stdout}\n${run.stderr}`);
    const ledger = await stack.ledger();
    const clones = cloneIntervals(ledger).filter((c) => c.source === 900);
    assert.equal(clones.length, 20, ledgerText(ledger.filter((e) => e.kind === 'lxc.clone')));
    const text = clones.map((c) => `${c.source}→${c.newid} [${c.start}, ${c.end}]`).join('\n');
    for (const a of clones) for (const b of clones) {
      if (a.newid < b.newid) assert.ok(!(a.start < b.end && b.start < a.end), `two clones of 900 ran at once:\n${text}`);
    }

    const upId = /started (phoenix-up-[0-9a-f]{12})/.exec(run.stderr)![1]!;
    const client = await temporalClient(stack);
    try {
      const report = (await client.workflow.getHandle(upId).result()) as PhoenixUpResult;
      const leaves = report.succeeded.filter((s) => LEAVES.includes(s.id));
      assert.equal(leaves.length, 20);
      // Before clone slots a source's children ran one after the other: no two leaf runs overlapped.
      const overlapping = leaves.filter((a) => leaves.some((b) => a !== b && a.startedAt < b.endedAt && b.startedAt < a.endedAt));
      assert.ok(overlapping.length >= 10, `leaf runs overlap after the clone: ${overlapping.length} of 20 overlap another`);
    } finally {
      await client.connection.close();
    }
  });
});
