// bin/phoenix-worker.js runs the worker as its child under a V8 heap limit (src/worker-launch.ts):
// the setting, the child's flags, the exit status passed through, and a child that never outlives
// its launcher.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_WORKER_HEAP_MB, hasOwnHeapLimit, workerChildArgs, workerChildEnv, workerHeapMbFrom } from '../../src/worker-launch';
import { REPO_ROOT } from '../config/fixtures';

const BIN = join(REPO_ROOT, 'bin', 'phoenix-worker.js');

describe('PHOENIX_WORKER_HEAP_MB', () => {
  test('defaults, takes a whole number of MB or "default", refuses the rest naming the variable', { timeout: 5_000 }, () => {
    assert.equal(workerHeapMbFrom({}), DEFAULT_WORKER_HEAP_MB);
    assert.equal(workerHeapMbFrom({ PHOENIX_WORKER_HEAP_MB: ' 512 ' }), 512);
    assert.equal(workerHeapMbFrom({ PHOENIX_WORKER_HEAP_MB: 'default' }), undefined);
    for (const bad of ['64', '1.5', '256MB', '-1', 'none']) {
      assert.throws(() => workerHeapMbFrom({ PHOENIX_WORKER_HEAP_MB: bad }), /PHOENIX_WORKER_HEAP_MB must be a whole number of MB of at least 128/);
    }
  });

  test('a process started with a heap limit of its own keeps it; the child gets the limits it has not set',  { timeout: 5_000 }, () => {
    assert.equal(hasOwnHeapLimit(['--max-old-space-size=300'], undefined), true);
    assert.equal(hasOwnHeapLimit([], '--require x --max_old_space_size=300'), true);
    assert.equal(hasOwnHeapLimit(['--enable-source-maps'], '--max-semi-space-size=16'), false);
    assert.deepEqual(workerChildArgs(256, ['--enable-source-maps'], undefined, '/w.js', ['a']), ['--enable-source-maps', '--max-old-space-size=256', '--max-semi-space-size=8', '/w.js', 'a']);
    assert.deepEqual(workerChildArgs(300, [], '--max-semi-space-size=16', '/w.js', []), ['--max-old-space-size=300', '/w.js']);
    assert.equal(workerChildEnv({}).MALLOC_ARENA_MAX, '2');
    assert.equal(workerChildEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX, '4');
  });
});

describe('bin/phoenix-worker.js', () => {
  // Preloaded into every node process the bin starts: prints which one it is and its heap limit.
  function heapReporter(dir: string): string {
    const path = join(dir, 'report-heap.js');
    writeFileSync(path, `if (require('node:worker_threads').isMainThread) process.stderr.write('heap ' + (process.env.PHOENIX_WORKER_LAUNCHED === '1' ? 'worker' : 'launcher') + ' ' + Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 1048576) + '\\n');\n`);
    return path;
  }

  test('runs the worker under the heap limit and passes its exit status through', { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-worker-launch-'));
    try {
      // A settings error: the worker exits 1 at once, before it connects anywhere.
      const run = spawnSync(process.execPath, [BIN], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--require=${heapReporter(dir)}`, PHOENIX_WORKER_HEAP_MB: '200', PHOENIX_SHUTDOWN_GRACE: '10s', PHOENIX_SHUTDOWN_FORCE: '5s' },
        timeout: 45_000,
      });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /PHOENIX_SHUTDOWN_FORCE \(5s\) must be longer than PHOENIX_SHUTDOWN_GRACE/);
      const worker = /^heap worker (\d+)$/m.exec(run.stderr);
      assert.ok(worker, run.stderr);
      // Old space plus V8's young generation.
      assert.ok(Number(worker[1]) >= 200 && Number(worker[1]) < 300, `worker heap limit ${worker[1]} MB`);
      assert.match(run.stderr, /^heap launcher \d+$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad PHOENIX_WORKER_HEAP_MB stops it with the variable named; "default" runs in one process', { timeout: 60_000 }, () => {
    const bad = spawnSync(process.execPath, [BIN], { encoding: 'utf8', env: { ...process.env, PHOENIX_WORKER_HEAP_MB: 'lots' }, timeout: 45_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^phoenix-worker: PHOENIX_WORKER_HEAP_MB must be a whole number/);
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-worker-launch-'));
    try {
      const own = spawnSync(process.execPath, [BIN], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: `--require=${heapReporter(dir)}`, PHOENIX_WORKER_HEAP_MB: 'default', PHOENIX_SHUTDOWN_GRACE: '10s', PHOENIX_SHUTDOWN_FORCE: '5s' },
        timeout: 45_000,
      });
      assert.equal(own.status, 1, own.stderr);
      assert.equal(own.stderr.match(/^heap /gm)?.length, 1, own.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the worker ends when its launcher is killed', { timeout: 60_000 }, async () => {
    // A "Temporal" that accepts and never answers: the worker sits in its first connect.
    const sockets: Socket[] = [];
    let connected!: () => void;
    const reached = new Promise<void>((resolve) => (connected = resolve));
    const server = createServer((socket) => {
      sockets.push(socket);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const launcher = spawn(process.execPath, [BIN], { stdio: 'ignore', env: { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
    let workerPid: number | undefined;
    try {
      await reached;
      const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim().split(/\s+/);
      assert.equal(children.length, 1);
      workerPid = Number(children[0]);
      launcher.kill('SIGKILL');
      const deadline = Date.now() + 20_000;
      while (existsSync(`/proc/${workerPid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${workerPid}/status`, 'utf8')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(existsSync(`/proc/${workerPid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${workerPid}/status`, 'utf8')), false, 'the worker outlived its launcher');
    } finally {
      launcher.kill('SIGKILL');
      if (workerPid) {
        try {
          process.kill(workerPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
