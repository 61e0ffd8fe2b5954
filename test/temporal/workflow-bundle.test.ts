// Which workflow code phoenix-worker loads (src/workflow-bundle.ts): the prebuilt bundle in
// production, never a stale one, and a clear error instead of a silent fallback where the
// prebuilt bundle is required. The real worker starting from it: test/prod/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseWorkflowCode, WorkflowBundleError, type BundlePaths } from '../../src/workflow-bundle';

describe('chooseWorkflowCode', () => {
  let dir: string;
  let paths: BundlePaths;
  const setTimes = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-bundle-'));
    paths = { bundle: join(dir, 'workflows.bundle.js'), compiledWorkflows: join(dir, 'workflows') };
    mkdirSync(join(paths.compiledWorkflows, 'lxc'), { recursive: true });
    writeFileSync(join(paths.compiledWorkflows, 'lxc', 'provision.js'), '');
    setTimes(join(paths.compiledWorkflows, 'lxc', 'provision.js'), 1_000);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a fresh bundle is loaded, in production and out of it', { timeout: 5_000 }, () => {
    writeFileSync(paths.bundle, '');
    setTimes(paths.bundle, 2_000);
    for (const env of [{}, { NODE_ENV: 'production' }, { PHOENIX_WORKFLOW_BUNDLE: 'prebuilt' }]) {
      assert.deepEqual(chooseWorkflowCode(env, paths), { kind: 'prebuilt', codePath: paths.bundle });
    }
    assert.equal(chooseWorkflowCode({ PHOENIX_WORKFLOW_BUNDLE: 'source', NODE_ENV: 'production' }, paths).kind, 'source');
  });

  test('a bundle older than the compiled workflows is never loaded', { timeout: 5_000 }, () => {
    writeFileSync(paths.bundle, '');
    setTimes(paths.bundle, 500);
    const dev = chooseWorkflowCode({}, paths);
    assert.equal(dev.kind, 'source');
    assert.match(dev.kind === 'source' ? dev.reason : '', /older than the compiled workflows/);
    assert.throws(() => chooseWorkflowCode({ NODE_ENV: 'production' }, paths), /older than the compiled workflows.*npm run build/);
  });

  test('a missing bundle: bundled at start in development, an error where it is required', { timeout: 5_000 }, () => {
    rmSync(paths.bundle, { force: true });
    assert.deepEqual(chooseWorkflowCode({}, paths), { kind: 'source', reason: 'the prebuilt bundle is missing' });
    assert.throws(() => chooseWorkflowCode({ NODE_ENV: 'production' }, paths), WorkflowBundleError);
    assert.throws(() => chooseWorkflowCode({ PHOENIX_WORKFLOW_BUNDLE: 'prebuilt' }, paths), /is missing: run `npm run build`/);
  });

  test('an unknown PHOENIX_WORKFLOW_BUNDLE is refused with the accepted values', { timeout: 5_000 }, () => {
    assert.throws(() => chooseWorkflowCode({ PHOENIX_WORKFLOW_BUNDLE: 'yes' }, paths), /must be "prebuilt" or "source", got "yes"/);
  });
});
