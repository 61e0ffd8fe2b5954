import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestors, buildLevels, closure, findCycles, GraphError, guestGraph, loadConfig, type GuestGraph } from '../../src/config';
import { SHIPPED_CONFIG_DIR, UPSTREAM_CONFIG_DIR } from './fixtures';

function graphOf(nodes: Array<[number, number | undefined, number[]]>): GuestGraph {
  return new Map(nodes.map(([id, parent, dependencies]) => [id, { id, ...(parent !== undefined ? { parent } : {}), dependencies }]));
}

describe('template graph', () => {
  test('ancestors of 950 are built root first', async () => {
    const { config } = await loadConfig(SHIPPED_CONFIG_DIR);
    const graph = guestGraph(config);
    assert.deepEqual(ancestors(graph, 950), [900, 901, 920, 950]);
    assert.deepEqual(ancestors(graph, 900), [900]);
    assert.deepEqual(ancestors(graph, 8001), [8000, 8001]);
    assert.throws(() => ancestors(graph, 12345), GraphError);
  });

  test('all guests of the shipped config in parallel levels, sorted by ID', async () => {
    const { config } = await loadConfig(SHIPPED_CONFIG_DIR);
    assert.deepEqual(buildLevels(guestGraph(config)), [[900, 8000], [901, 902, 8001], [920, 952, 955], [950]]);
  });

  test('levels for chosen IDs pull in their ancestors and dependencies only', async () => {
    const { config } = await loadConfig(UPSTREAM_CONFIG_DIR);
    const graph = guestGraph(config);
    // 956 is cloned from 902 and depends on 953 (cloned from 900) and 955 (cloned from 901).
    assert.deepEqual(buildLevels(graph, [956]), [[900], [901, 902, 953], [955], [956]]);
    assert.deepEqual([...closure(graph, [950])].sort(), [900, 901, 920, 950, 953]);
  });

  test('levels are the same whatever order the guests come in', () => {
    const a = graphOf([[3, 1, []], [1, undefined, []], [2, 1, [3]]]);
    const b = graphOf([[2, 1, [3]], [1, undefined, []], [3, 1, []]]);
    assert.deepEqual(buildLevels(a), [[1], [3], [2]]);
    assert.deepEqual(buildLevels(b), buildLevels(a));
  });

  test('cycles are found once each, written from their smallest ID', () => {
    const graph = graphOf([[100, 102, []], [101, 100, []], [102, undefined, [101]], [200, undefined, [200]]]);
    assert.deepEqual(findCycles(graph), [[100, 102, 101, 100], [200, 200]]);
    assert.throws(() => buildLevels(graph), /cycle: 100 → 102 → 101 → 100/);
  });
});
