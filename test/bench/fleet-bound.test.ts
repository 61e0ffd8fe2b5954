// The fleet benchmark's lower bounds (bench/fleet.ts): the per-source clone rule, nothing else
// serialised; and with a per-node limit, the work each node's slots must still do after each release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticalPathBound, nodeLimitBound, type Provisioning } from '../../bench/fleet';

const g = (id: number, duration: number, clone = 0, parent?: number, deps: number[] = []): Provisioning => ({ id, duration, clone, deps, ...(parent !== undefined ? { parent } : {}) });

test('clones of one source run one after the other, longest remaining work first; the rest in parallel', { timeout: 5_000 }, () => {
  // Template 900 (10), two leaves cloned from it: clone 2 each, then 5 and 20 of their own work.
  // Best order: the long one first: its clone ends at 12, it ends at 32; the short one's clone ends at 14, it ends at 19.
  assert.equal(criticalPathBound([g(900, 10), g(950, 22, 2, 900), g(952, 7, 2, 900)]), 32);
  // Two independent roots run side by side.
  assert.equal(criticalPathBound([g(900, 10), g(800, 12)]), 12);
  // A dependency waits for the guest it needs: 955 (from 900) needs 952 done at 19, its clone ends at 21.
  assert.equal(criticalPathBound([g(900, 10), g(950, 22, 2, 900), g(952, 7, 2, 900), g(955, 4, 2, 900, [952])]), 32);
  // 952 goes first (955 waits for it anyway): 952 done at 17, 955 clones 17-19, then 28 more.
  assert.equal(criticalPathBound([g(900, 10), g(952, 7, 2, 900), g(955, 30, 2, 900, [952])]), 47);
});

test('with a per-node limit, the work released after a time needs the node\'s slots after it', { timeout: 5_000 }, () => {
  // Template 900 (10) and four leaves of 5 from it (no clone time): 15 with no limit.
  const fleet = [g(900, 10), g(1000, 5, 0, 900), g(1001, 5, 0, 900), g(1002, 5, 0, 900), g(1003, 5, 0, 900)];
  assert.equal(criticalPathBound(fleet), 15);
  // All on one node with 2 slots: the leaves are released at 10 and need 20 / 2 after it.
  assert.equal(nodeLimitBound(fleet, () => 'pve1', 2), 20);
  // Two leaves on another node: each node has 10 / 2 after 10; the DAG bound holds.
  assert.equal(nodeLimitBound(fleet, (id) => (id >= 1002 ? 'pve2' : 'pve1'), 2), 15);
  // Slots enough for everything: the limit never binds.
  assert.equal(nodeLimitBound(fleet, () => 'pve1', 8), 15);
});
