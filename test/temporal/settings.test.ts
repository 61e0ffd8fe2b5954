// Configuration that decides where the worker and client go: Temporal's own
// environment conventions, Phoenix's worker settings, and deterministic ids.
import { describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { describeTarget, resolveTemporalTarget } from '../../src/temporal/connection';
import { taskQueueFrom } from '../../src/shared/task-queue';
import { diagnosticsWorkflowId, lxcWorkflowId, vmWorkflowId } from '../../src/shared/workflow-ids';
import { workerSettingsFrom } from '../../src/worker-settings';
import { DEFAULT_SCRIPTS_ROOT, provisioningDepsFromEnv } from '../../src/activities/common/provisioning-deps';

// A config file the developer may have in ~/.config/temporalio must not change the outcome.
const NO_FILE = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

describe('Temporal connection settings (envconfig)', () => {
  test('defaults to the local dev server', () => {
    const target = resolveTemporalTarget({ env: NO_FILE });
    assert.equal(target.address, 'localhost:7233');
    assert.equal(target.namespace, 'default');
    assert.equal(target.connectionOptions.tls, undefined);
  });

  test('TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and an API key select a Cloud-style target with TLS', () => {
    const apiKey = 'secret-key-value';
    const target = resolveTemporalTarget({
      env: { ...NO_FILE, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: apiKey },
    });
    assert.equal(target.address, 'ns.acct.tmprl.cloud:7233');
    assert.equal(target.namespace, 'ns.acct');
    assert.equal(target.connectionOptions.apiKey, apiKey);
    assert.equal(target.connectionOptions.tls, true, 'an API key turns TLS on');
    const line = describeTarget(target);
    assert.match(line, /TLS, API key/);
    assert.ok(!line.includes(apiKey), 'the key itself is never logged');
  });

  test('explicit overrides win over the environment', () => {
    const target = resolveTemporalTarget({
      address: '127.0.0.1:17233',
      namespace: 'phoenix',
      env: { ...NO_FILE, TEMPORAL_ADDRESS: 'elsewhere:7233', TEMPORAL_NAMESPACE: 'other' },
    });
    assert.equal(target.address, '127.0.0.1:17233');
    assert.equal(target.connectionOptions.address, '127.0.0.1:17233');
    assert.equal(target.namespace, 'phoenix');
  });
});

describe('worker settings', () => {
  test('defaults: queue phoenix, 30 s grace, 45 s force, INFO', () => {
    assert.deepEqual(workerSettingsFrom({}), {
      taskQueue: 'phoenix',
      shutdownGraceTime: '30 seconds',
      shutdownForceTime: '45 seconds',
      logLevel: 'INFO',
    });
    assert.equal(taskQueueFrom({ PHOENIX_TASK_QUEUE: '  ' }), 'phoenix');
  });

  test('reads PHOENIX_* variables, milliseconds or ms-style strings', () => {
    const settings = workerSettingsFrom({
      PHOENIX_TASK_QUEUE: 'lab-a',
      PHOENIX_SHUTDOWN_GRACE: '5000',
      PHOENIX_SHUTDOWN_FORCE: '1m',
      PHOENIX_LOG_LEVEL: 'debug',
    });
    assert.deepEqual(settings, { taskQueue: 'lab-a', shutdownGraceTime: 5000, shutdownForceTime: '1m', logLevel: 'DEBUG' });
  });

  test('rejects bad values, naming the variable', () => {
    assert.throws(() => workerSettingsFrom({ PHOENIX_SHUTDOWN_FORCE: 'later' }), /PHOENIX_SHUTDOWN_FORCE must be a duration/);
    assert.throws(
      () => workerSettingsFrom({ PHOENIX_SHUTDOWN_GRACE: '1m', PHOENIX_SHUTDOWN_FORCE: '30s' }),
      /PHOENIX_SHUTDOWN_FORCE \(30s\) must be longer than PHOENIX_SHUTDOWN_GRACE \(1m\)/,
    );
    assert.throws(() => workerSettingsFrom({ PHOENIX_LOG_LEVEL: 'loud' }), /PHOENIX_LOG_LEVEL must be one of/);
  });

  test('PHOENIX_MAX_CACHED_WORKFLOWS: a whole number of at least 2, left to the default when unset', { timeout: 5_000 }, () => {
    assert.equal(workerSettingsFrom({ PHOENIX_MAX_CACHED_WORKFLOWS: ' 64 ' }).maxCachedWorkflows, 64);
    assert.equal(workerSettingsFrom({}).maxCachedWorkflows, undefined);
    for (const bad of ['1', '0', '-5', '2.5', 'many']) {
      assert.throws(() => workerSettingsFrom({ PHOENIX_MAX_CACHED_WORKFLOWS: bad }), /PHOENIX_MAX_CACHED_WORKFLOWS must be a whole number of at least 2/);
    }
  });

  test('PHOENIX_SCRIPTS_DIR: a folder holding features/ replaces the installation\'s; anything else stops the worker', { timeout: 5_000 }, () => {
    const scriptsRoot = (env: Record<string, string>) => provisioningDepsFromEnv({ env, taskQueue: 'q' }).scriptsRoot;
    assert.equal(scriptsRoot({}), DEFAULT_SCRIPTS_ROOT);
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-scripts-'));
    try {
      assert.throws(() => scriptsRoot({ PHOENIX_SCRIPTS_DIR: dir }), /PHOENIX_SCRIPTS_DIR must be a folder holding features\//);
      assert.throws(() => scriptsRoot({ PHOENIX_SCRIPTS_DIR: join(dir, 'missing') }), /PHOENIX_SCRIPTS_DIR/);
      mkdirSync(join(dir, 'features'));
      assert.equal(scriptsRoot({ PHOENIX_SCRIPTS_DIR: ` ${dir} ` }), dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workflow ids', () => {
  test('are deterministic per guest', () => {
    assert.equal(lxcWorkflowId(950), 'phoenix-lxc-950');
    assert.equal(vmWorkflowId(8001), 'phoenix-vm-8001');
    assert.equal(diagnosticsWorkflowId('abc-1'), 'phoenix-diagnostics-abc-1');
  });

  test('refuse ids Proxmox would refuse and names that could smuggle text into an id', () => {
    for (const bad of [99, 1_000_000_000, 100.5, Number.NaN]) assert.throws(() => lxcWorkflowId(bad), RangeError);
    for (const bad of ['', 'a b', "x'; DROP", '$(id)', '../up', 'a\nb']) {
      assert.throws(() => diagnosticsWorkflowId(bad), RangeError, JSON.stringify(bad));
    }
  });
});
