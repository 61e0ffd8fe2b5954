// The simulator reads user-data as cloud-init does (PyYAML safe_load, YAML 1.1): what cloud-init
// accepts is carried out, what it refuses is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudConfigError, parseUserData } from '../src/guest/cloud-init/cloud-config';

const T = { timeout: 10_000 };

test('anchors, aliases and merge keys are accepted, as cloud-init accepts them', T, () => {
  const config = parseUserData(
    [
      '#cloud-config',
      'x-file: &file',
      '  owner: root:root',
      "  permissions: '0600'",
      'write_files:',
      '  - <<: *file',
      '    path: /etc/a',
      '    content: &body hello',
      '  - <<: *file',
      '    path: /etc/b',
      '    content: *body',
      'runcmd: &cmds',
      '  - [echo, hi]',
    ].join('\n'),
  );
  assert.deepEqual(
    config.writeFiles.map((f) => [f.path, f.content.toString(), f.mode, f.owner]),
    [
      ['/etc/a', 'hello', 0o600, 'root:root'],
      ['/etc/b', 'hello', 0o600, 'root:root'],
    ],
  );
  assert.deepEqual(config.runcmd, [['echo', 'hi']]);
});

test('YAML 1.1 scalars read as PyYAML reads them: unquoted 0755 is octal, yes is true', T, () => {
  const config = parseUserData('#cloud-config\npackage_update: yes\nwrite_files:\n  - path: /x\n    permissions: 0755\n');
  assert.equal(config.packageUpdate, true);
  assert.equal(config.writeFiles[0]!.mode, 0o755);
});

test('what cloud-init refuses is refused', T, () => {
  const refused: Array<[string, RegExp]> = [
    ['runcmd:\n  - ls\n', /must start with '#cloud-config'/],
    ['#cloud-config\n- a\n- b\n', /top level must be a mapping/],
    ['#cloud-config\nhostname: a\n---\nhostname: b\n', /not valid YAML/],
    ['#cloud-config\nhostname: !!python/object:os.system x\n', /not valid YAML/],
    ['#cloud-config\nhostname: *missing\n', /not valid YAML/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    permissions: rwx\n', /not an octal mode/],
  ];
  for (const [userData, message] of refused) {
    assert.throws(() => parseUserData(userData), (e: unknown) => e instanceof CloudConfigError && message.test(e.message), userData);
  }
});
