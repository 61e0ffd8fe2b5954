/**
 * Acceptance (issue 6): `phoenix-client up --all` on the shipped config builds every container and
 * VM once, in parallel where the DAG allows, never two clones of one source at once. (A file of its
 * own, beside fleet-up.test.ts, so the two stacks run side by side.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { cloneIntervals, countBy, ledgerText, target, TIME_SCALE, type CloneInterval } from './helpers';

const overlap = (a: CloneInterval, b: CloneInterval) => a.start < b.end && b.start < a.end;

describe('phoenix-client up --all on the shipped config', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ timeScale: TIME_SCALE });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
  });

  it('builds every container and VM once, in parallel where the DAG allows, never two clones of one source at once', async () => {
    const run = await stack.cli(['up', '--all']);
    assert.equal(run.code, 0, `up --all failed:\n${run.stdout}\n${run.stderr}`);
    for (const id of [900, 901, 902, 920, 950, 952, 955]) assert.match(run.stdout, new RegExp(`succeeded CT ${id}`));
    for (const id of [8000, 8001]) assert.match(run.stdout, new RegExp(`succeeded VM ${id}`));

    const ledger = await stack.ledger();
    const why = `\nledger:\n${ledgerText(ledger.filter((e) => e.details?.upid))}`;
    assert.deepEqual(
      countBy(ledger, ['lxc.create', 'lxc.clone', 'qemu.create', 'qemu.clone', 'qemu.template']),
      {
        'lxc.create 900': 1, 'lxc.clone 901': 1, 'lxc.clone 902': 1, 'lxc.clone 920': 1, 'lxc.clone 950': 1, 'lxc.clone 952': 1,
        'lxc.clone 955': 1, 'qemu.create 8000': 1, 'qemu.template 8000': 1, 'qemu.clone 8001': 1,
      },
      why,
    );
    const clones = cloneIntervals(ledger);
    const text = clones.map((c) => `${c.source}→${c.newid} [${c.start}, ${c.end}]`).join('\n');
    for (const a of clones) {
      for (const b of clones) {
        if (a.newid < b.newid && overlap(a, b)) assert.notEqual(a.source, b.source, `two clones of ${a.source} ran at once:\n${text}${why}`);
      }
    }

    // Builds in parallel: each guest's span in the ledger (its first to its last side effect)
    // overlaps another guest's; the DAG lets 900 and 8000 (two roots) start together.
    const spans = new Map<number, { start: number; end: number }>();
    for (const e of ledger) {
      const id = target(e);
      if (id === undefined || Number.isNaN(id)) continue;
      const t = Date.parse(e.time);
      const span = spans.get(id) ?? { start: t, end: t };
      spans.set(id, { start: Math.min(span.start, t), end: Math.max(span.end, t) });
    }
    const overlapping = [...spans].flatMap(([a, sa]) =>
      [...spans].filter(([b, sb]) => a < b && sa.start < sb.end && sb.start < sa.end).map(([b]) => `${a}/${b}`),
    );
    assert.ok(overlapping.includes('900/8000'), `900 and 8000 were not built at the same time: ${JSON.stringify([...spans])}`);
  });
});
