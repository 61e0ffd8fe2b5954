// What a failed server start-up shows: the last lines it printed, and the line a Go panic opens
// with, which the goroutine stacks after it would otherwise push out of the tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputTail } from '../../src/temporal/output-tail';

test('a panic before a long stack is kept ahead of the tail', { timeout: 5_000 }, () => {
  const tail = new OutputTail(undefined, 5);
  tail.push('time=... level=WARN msg="starting"\n');
  tail.push('panic: listen tcp 127.0.0.1:40123: bind: address already in use [recovered]\n');
  tail.push('\tpanic: listen tcp 127.0.0.1:40123: bind: address already in use\n\ngoroutine 1 [running]:\n');
  for (let i = 0; i < 200; i++) tail.push(`go.uber.org/fx.frame${i}(...)\n\t/root/go/pkg/mod/fx.go:${i}\n`);
  const text = tail.text();
  assert.match(text, /^panic: listen tcp 127\.0\.0\.1:40123: bind: address already in use \[recovered\]$/m);
  assert.match(text, /^goroutine 1 \[running\]:$/m);
  assert.equal(text.split('\n').filter((l) => /^panic:/.test(l)).length, 1);
  assert.match(text.split('\n').at(-1)!, /fx\.go:199$/);
  assert.doesNotMatch(text, /starting/);
});

test('output without a panic is the tail alone, and a panic still in the tail is not shown twice', { timeout: 5_000 }, () => {
  const quiet = new OutputTail(undefined, 3);
  quiet.push('a\nb\nc\nd\n');
  assert.equal(quiet.text(), 'b\nc\nd');
  const recent = new OutputTail(undefined, 10);
  recent.push('started\nfatal error: concurrent map writes\n');
  assert.equal(recent.text(), 'started\nfatal error: concurrent map writes');
});
