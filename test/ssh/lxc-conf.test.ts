import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureLxcConfLinesInText } from '../../src/ssh/lxc-conf';

const CONF = `#vLLM host
arch: amd64
cores: 8
hostname: vllm
lxc.apparmor.profile: lxc-phoenix-v1
parent: pre-configured

[pre-configured]
arch: amd64
cores: 8
snaptime: 1700000000
`;

const GPU_LINES = [
  'lxc.cgroup2.devices.allow: c 195:* rwm',
  'lxc.mount.entry=/dev/nvidia0 dev/nvidia0 none bind,optional,create=file',
];

test('lines go into the main section, never into a snapshot section', () => {
  const r = ensureLxcConfLinesInText(CONF, GPU_LINES);
  assert.ok(r.changed);
  assert.deepEqual(r.added, ['lxc.cgroup2.devices.allow: c 195:* rwm', 'lxc.mount.entry: /dev/nvidia0 dev/nvidia0 none bind,optional,create=file']);
  const [main, snap] = r.content.split('[pre-configured]');
  assert.ok(main!.includes('lxc.mount.entry: /dev/nvidia0'));
  assert.ok(!snap!.includes('lxc.'));
  assert.ok(main!.endsWith('create=file\n\n'), 'blank line before the section stays');
});

test('ensuring the same lines again changes nothing', () => {
  const once = ensureLxcConfLinesInText(CONF, GPU_LINES).content;
  const twice = ensureLxcConfLinesInText(once, GPU_LINES);
  assert.equal(twice.changed, false);
  assert.equal(twice.content, once);
  assert.equal(ensureLxcConfLinesInText(once, [...GPU_LINES, ...GPU_LINES]).changed, false);
});

test('exclusive keys keep only the wanted value', () => {
  const r = ensureLxcConfLinesInText(CONF, ['lxc.apparmor.profile: unconfined'], ['lxc.apparmor.profile']);
  assert.deepEqual(r.removed, ['lxc.apparmor.profile: lxc-phoenix-v1']);
  assert.equal(r.content.match(/lxc\.apparmor\.profile/g)!.length, 1);
  assert.ok(r.content.includes('lxc.apparmor.profile: unconfined'));
});

test('non-lxc keys and multi-line values are refused', () => {
  assert.throws(() => ensureLxcConfLinesInText(CONF, ['cores: 4']), /not a raw lxc/);
  assert.throws(() => ensureLxcConfLinesInText(CONF, ['lxc.mount.entry: a\nlxc.hook: evil']), /single line/);
});
