// `start` honours `dependencies` (issue 10): the prerequisites of the requested guests are the
// guests named in `dependencies` (theirs, their templates', transitively), not the clone chain
// (each run builds its own templates); with --detach they cannot be waited for, so `start`
// refuses, naming them, before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';
import { prerequisitesOf } from '../../src/cli/commands/start';
import { configCopy } from '../e2e/helpers';
import { runCli } from './run-cli';

test('prerequisites are the dependencies, transitively, never the requested guests or their clone chain', { timeout: 20_000 }, async () => {
  const copy = configCopy(({ lxc }) => {
    lxc.lxc_configs['955'].dependencies = [952];
    lxc.lxc_configs['952'].dependencies = [950];
  });
  try {
    const { config } = await loadConfig(copy.dir);
    assert.deepEqual(prerequisitesOf(config, [955]), [950, 952]);
    assert.deepEqual(prerequisitesOf(config, [955, 952]), [950]);
    assert.deepEqual(prerequisitesOf(config, [950]), []);
  } finally {
    copy.remove();
  }
});

test('start --detach with dependencies exits 2 naming them, before connecting to Temporal', { timeout: 60_000 }, () => {
  const copy = configCopy(({ lxc }) => {
    lxc.lxc_configs['955'].dependencies = [952];
  });
  try {
    // An address nothing listens on: reaching Temporal would fail differently.
    const run = runCli(['start', '955', '--detach', '--config-dir', copy.dir], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /955 needs 952 first, which --detach cannot wait for/);
  } finally {
    copy.remove();
  }
});
