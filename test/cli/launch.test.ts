// bin/phoenix-client.js runs the CLI through src/cli/launch.ts: the bundled file with a V8 code
// cache, falling back to compiling from source whenever the cache is missing, rejected or made
// for another bundle. Each case runs launch() in a child process on a small stand-in bundle (the
// cache is written when that process exits), then checks what the next process sees.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../config/fixtures';

const LAUNCH = join(REPO_ROOT, 'src', 'cli', 'launch.ts');

interface Launched {
  mode: string;
  cacheUsed: boolean;
  cachePath?: string;
  /** What the stand-in bundle printed: that it ran, with the require and __dirname it was given. */
  ran: string;
}

/** launch() in a fresh process, as the bin calls it, with PHOENIX_CACHE_DIR set. */
function launchOnce(bundle: string, cacheDir: string, env: Record<string, string> = {}): Launched {
  const code = `const o = require(${JSON.stringify(LAUNCH)}).launch(process.env, ${JSON.stringify(bundle)}); process.stdout.write(JSON.stringify(o));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PHOENIX_CACHE_DIR: cacheDir, ...env },
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const [ran, outcome] = run.stdout.split('\n');
  return { ...(JSON.parse(outcome!) as Omit<Launched, 'ran'>), ran: ran! };
}

function scratch(): { dir: string; bundle: string; cacheDir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'phoenix-launch-'));
  const bundle = join(dir, 'bundle', 'phoenix-client.js');
  const cacheDir = join(dir, 'cache');
  writeBundle(bundle, 'one');
  return { dir, bundle, cacheDir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// A stand-in with some functions to cache; it reports that it ran and that require/__dirname are its own.
function writeBundle(path: string, marker: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const fns = Array.from({ length: 50 }, (_, i) => `function f${i}(x) { return x * ${i} + ${JSON.stringify(marker)}.length; }`).join('\n');
  writeFileSync(path, `${fns}\nlet t = 0; for (let i = 0; i < 50; i++) t += eval('f' + i)(i);\nconsole.log(${JSON.stringify(marker)} + ' ' + typeof require('node:path').join + ' ' + require('node:path').basename(__dirname) + ' ' + t);\n`);
}

describe('phoenix-client launch', () => {
  test('the first run compiles and writes a cache; the next run uses it', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      const first = launchOnce(s.bundle, s.cacheDir);
      assert.equal(first.mode, 'bundle');
      assert.equal(first.cacheUsed, false);
      assert.match(first.ran, /^one function bundle \d+$/);
      assert.ok(existsSync(first.cachePath!), 'the cache is written at exit');
      assert.match(first.cachePath!, new RegExp(`-${process.version}-${process.arch}\\.v8cache$`));
      const second = launchOnce(s.bundle, s.cacheDir);
      assert.equal(second.cacheUsed, true);
      assert.equal(second.cachePath, first.cachePath);
      assert.equal(second.ran, first.ran);
      assert.deepEqual(readdirSync(s.cacheDir), [join(first.cachePath!).split('/').pop()], 'no temporary file is left behind');
    } finally {
      s.remove();
    }
  });

  test('a changed bundle never reads the old cache, even at the same length', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      const first = launchOnce(s.bundle, s.cacheDir);
      writeBundle(s.bundle, 'two'); // same length, other content: V8 alone would accept the old cache
      const second = launchOnce(s.bundle, s.cacheDir);
      assert.notEqual(second.cachePath, first.cachePath);
      assert.equal(second.cacheUsed, false);
      assert.match(second.ran, /^two /);
    } finally {
      s.remove();
    }
  });

  test('a damaged cache is rejected, the bundle runs all the same, and the cache is rewritten', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      const first = launchOnce(s.bundle, s.cacheDir);
      const bytes = readFileSync(first.cachePath!);
      writeFileSync(first.cachePath!, bytes.subarray(0, bytes.length >> 1)); // cut in half
      const damaged = launchOnce(s.bundle, s.cacheDir);
      assert.equal(damaged.cacheUsed, false);
      assert.equal(damaged.ran, first.ran);
      assert.equal(launchOnce(s.bundle, s.cacheDir).cacheUsed, true, 'the rejected cache was replaced');
    } finally {
      s.remove();
    }
  });

  test('an unwritable cache directory costs the cache, not the run', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      writeFileSync(join(s.dir, 'cache'), 'a file where the directory would be');
      const run = launchOnce(s.bundle, s.cacheDir);
      assert.equal(run.cacheUsed, false);
      assert.match(run.ran, /^one /);
    } finally {
      s.remove();
    }
  });

  test('without a bundle the compiled CLI runs instead', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      rmSync(s.bundle);
      // The unbundled CLI with no arguments: its usage, exit status 2 (set, not thrown).
      const code = `const o = require(${JSON.stringify(LAUNCH)}).launch(process.env, ${JSON.stringify(s.bundle)}); process.on('exit', () => process.stderr.write('\\n' + JSON.stringify(o)));`;
      const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PHOENIX_CACHE_DIR: s.cacheDir }, timeout: 30_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /^Usage: phoenix-client <command>/);
      assert.equal(JSON.parse(run.stderr.trim().split('\n').pop()!).mode, 'unbundled');
      assert.equal(existsSync(s.cacheDir), false);
    } finally {
      s.remove();
    }
  });

  test('the built bin reaches Temporal from the bundle without loading the worker package', { timeout: 60_000 }, () => {
    const s = scratch();
    try {
      // The benchmark's probe: stops the process at its first socket, reporting what was loaded.
      const run = spawnSync(process.execPath, ['-r', join(REPO_ROOT, 'bench', 'lib', 'first-call-probe.js'), join(REPO_ROOT, 'bin', 'phoenix-client.js'), 'start', '950'], {
        encoding: 'utf8',
        env: { ...process.env, PHOENIX_CONFIG_DIR: join(REPO_ROOT, 'config'), PHOENIX_CACHE_DIR: s.cacheDir, TEMPORAL_ADDRESS: '127.0.0.1:1' },
        timeout: 30_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const seen = JSON.parse(run.stdout.trim().split('\n').pop()!) as { modules: number; workerPackageLoaded: boolean };
      assert.equal(seen.workerPackageLoaded, false);
      assert.ok(seen.modules < 10, `${seen.modules} modules loaded from disk: the bundle was not used (npm run build writes it)`);
    } finally {
      s.remove();
    }
  });
});
