// The feature lists in src/config/features.ts and the scripts folders must agree, and the shipped
// config may only name application scripts that exist.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LXC_FEATURES, loadConfig, VM_FEATURES } from '../../src/config';
import { REPO_ROOT, SHIPPED_CONFIG_DIR } from './fixtures';

function scripts(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).filter((f) => f.endsWith('.sh')).map((f) => f.slice(0, -3)).sort();
}

describe('feature names', () => {
  test('LXC_FEATURES matches features/lxc/*.sh', () => {
    assert.deepEqual(scripts('features/lxc'), [...LXC_FEATURES].sort());
  });
  test('VM_FEATURES matches features/vm/*.sh', () => {
    assert.deepEqual(scripts('features/vm'), [...VM_FEATURES].sort());
  });
  test('every application_script of the shipped config exists in apps/', async () => {
    const { config } = await loadConfig(SHIPPED_CONFIG_DIR);
    const named = config.containers.flatMap((c) => (c.application_script ? [c.application_script] : []));
    assert.ok(named.length > 0);
    for (const script of named) assert.ok(existsSync(join(REPO_ROOT, 'apps', script)), `apps/${script} is missing`);
  });
});
