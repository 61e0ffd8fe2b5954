import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { quoteArg, shellJoin } from '../../src/ssh/quote';

const HOSTILE = [
  '',
  ' ',
  "it's",
  "''",
  "'\\''",
  'a;rm -rf /tmp/x',
  '$(touch /tmp/pwned)',
  '`id`',
  '${HOME}',
  'line1\nline2',
  '\ttab',
  '"double"',
  '\\',
  '*',
  '~root',
  '-n',
  '!',
  '&& echo hi',
  '| cat',
  '> /tmp/out',
  'ünïcødé ✓',
  'a=b c',
];

// Each word must come back unchanged from a real POSIX shell (dash/bash on this machine).
function roundTrip(argv: string[]): string[] {
  const line = shellJoin(['printf', '%s\\0', ...argv]);
  for (const sh of ['sh', 'bash']) {
    const r = spawnSync(sh, ['-c', line], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${sh} failed: ${r.stderr}`);
    const words = r.stdout.split('\0');
    words.pop();
    assert.deepEqual(words, argv, `${sh} changed the words`);
  }
  return argv;
}

test('hostile words arrive literally through sh and bash', () => {
  roundTrip(HOSTILE);
});

test('random words from a hostile alphabet round-trip', () => {
  const alphabet = [..."abc '\"\\$`;|&()<>*?[]{}~!#\n\t=%-./"];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 30; i++) {
    const words = Array.from({ length: 1 + Math.floor(rand() * 5) }, () =>
      Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''),
    );
    roundTrip(words);
  }
});

test('safe words stay bare, everything else is single-quoted', () => {
  assert.equal(quoteArg('/etc/pve/lxc/901.conf'), '/etc/pve/lxc/901.conf');
  assert.equal(quoteArg('--net0'), '--net0');
  assert.equal(quoteArg("it's"), `'it'\\''s'`);
  assert.equal(quoteArg(''), `''`);
  assert.equal(quoteArg('a b'), `'a b'`);
});

test('NUL bytes and empty commands are refused', () => {
  assert.throws(() => quoteArg('a\0b'), /NUL/);
  assert.throws(() => shellJoin([]), /empty command/);
});
