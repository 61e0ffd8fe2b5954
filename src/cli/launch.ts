/**
 * How `bin/phoenix-client.js` starts the CLI: from the single bundled file the build writes
 * (scripts/build-cli-bundle.mjs), compiled with a V8 code cache, so a command spends its start-up
 * running code instead of resolving ~450 modules and parsing them (bench/cli-startup.ts).
 *
 * The cache is written on a run that had none (or whose cache V8 rejected) when that run exits,
 * into PHOENIX_CACHE_DIR (default `$XDG_CACHE_HOME/phoenix`, else `~/.cache/phoenix`). Its name
 * holds the bundle's content hash, the Node version and the architecture, because V8 itself only
 * checks its own version, flags and the source's length: a cache for another build of the bundle
 * is never read. Everything here falls back rather than fails: no bundle runs dist/client.js, an
 * unreadable or rejected cache compiles from source, an unwritable cache dir writes nothing.
 * PHOENIX_CLI_BUNDLE=0 runs dist/client.js (a stack trace with the compiled files' own lines).
 *
 * This module loads nothing but Node's own modules: it is what every command pays before the bundle.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

/** Where the build writes the bundle: two levels under the repository, like dist/temporal/, so paths the bundled modules derive from __dirname stay right. */
export const CLI_BUNDLE_PATH = resolve(__dirname, '..', 'bundle', 'phoenix-client.js');

type Env = Readonly<Record<string, string | undefined>>;

export function codeCacheDir(env: Env = process.env): string {
  if (env.PHOENIX_CACHE_DIR) return env.PHOENIX_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'phoenix');
}

/** The cache file for this bundle's content on this Node and architecture. */
export function codeCachePath(bundle: Buffer, dir: string): string {
  const hash = createHash('sha1').update(bundle).digest('hex').slice(0, 16);
  return join(dir, `phoenix-client-${hash}-${process.version}-${process.arch}.v8cache`);
}

export interface LaunchOutcome {
  /** `bundle`: ran the bundled file; `unbundled`: dist/client.js (no bundle, or switched off). */
  mode: 'bundle' | 'unbundled';
  /** Whether V8 used a cache for the bundle (false: none, unreadable or rejected; one is written at exit). */
  cacheUsed: boolean;
  cachePath?: string;
}

/** Run phoenix-client from the bundle (with its code cache) or, failing that, from dist/client.js. */
export function launch(env: Env = process.env, bundlePath: string = CLI_BUNDLE_PATH): LaunchOutcome {
  let bundle: Buffer | undefined;
  if (env.PHOENIX_CLI_BUNDLE !== '0') {
    try {
      bundle = readFileSync(bundlePath);
    } catch {
      bundle = undefined; // not built (tsc alone): the compiled files below serve
    }
  }
  if (!bundle) {
    require('../client');
    return { mode: 'unbundled', cacheUsed: false };
  }
  const cachePath = codeCachePath(bundle, codeCacheDir(env));
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  // The bundle is ASCII (esbuild escapes the rest), so latin1 is the exact text and the cheapest decode.
  const script = new Script(wrap(bundle.toString('latin1')), { filename: bundlePath, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  // Made at exit, not now: by then V8 has compiled the functions this command ran, and the cache holds them too.
  if (!cacheUsed) process.once('exit', () => writeCodeCache(cachePath, script));
  const moduleObject = { exports: {} };
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  run.call(moduleObject.exports, moduleObject.exports, createRequire(bundlePath), moduleObject, bundlePath, dirname(bundlePath));
  return { mode: 'bundle', cacheUsed, cachePath };
}

/** Best effort: written aside and renamed, so a concurrent run reads a whole cache or none. */
function writeCodeCache(cachePath: string, script: Script): void {
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cachePath), { recursive: true });
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cachePath);
  } catch {
    // A read-only home or a full disk costs the next run its speed, never its result.
  }
}
