// The fleet benchmark's lower bounds (bench/fleet.ts): the per-source clone rule, nothing else
// serialised; and with a per-node limit, the work each node's slots must still do after each release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticalPathBound, nodeLimitBound, pstartToWall, type Provisioning } from '../../bench/fleet';

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

test("a guest's own work before its clone overlaps the source's other clones; the bound charges it nothing more", { timeout: 5_000 }, () => {
  // 900 (10); 1 clones at once (2) then works 8; 2 works 8 first (its child started late), then clones (2).
  // Best: 1 clones 10-12 and is done at 20; 2 clones 18-20 and is done at 20. Charging 2's early
  // work after its turn at the source (12-14, then 8) would say 22, more than a real run takes.
  const late: Provisioning = { ...g(2, 10, 2, 900), beforeClone: 8 };
  assert.equal(criticalPathBound([g(900, 10), g(1, 10, 2, 900), late]), 20);
  // A clone released while another runs takes the source when that one is done (no real order preempts, the bound may).
  const early: Provisioning = { ...g(3, 12, 4, 900), beforeClone: 0 };
  const later: Provisioning = { ...g(4, 30, 4, 900), beforeClone: 1 };
  // 3 clones 10-11, 4 (more work after it) preempts 11-15, 3 goes on 15-18 and is done at 26; 4 is done at 15 + 25 = 40.
  assert.equal(criticalPathBound([g(900, 10), early, later]), 40);
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

test("a task's start on the wall clock comes from its UPID's start second, not from the shortest task's end", { timeout: 5_000 }, () => {
  // The simulator's pstart runs 1_700_000_000_123 ms behind the wall clock; 300 tasks start at
  // spread points of their seconds (start second truncated, as in a UPID).
  const offset = 1_700_000_000_123;
  const tasks = Array.from({ length: 300 }, (_, i) => {
    const pstartMs = 50_000 + i * 337;
    return { pstartMs, startSecond: Math.floor((pstartMs + offset) / 1000) };
  });
  const estimate = pstartToWall(tasks);
  assert.ok(estimate <= offset && offset - estimate < 10, `offset ${offset}, estimated ${estimate}`);
});

