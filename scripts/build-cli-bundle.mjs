// Writes dist/bundle/phoenix-client.js, phoenix-client as one file (src/cli/launch.ts runs it with a
// V8 code cache), from the compiled dist/client.js. Runs as the last step of `npm run build:product`,
// after tsc. One file instead of ~450 modules: no module resolution and no per-file reads at start.
// The worker package stays out: the CLI never loads it (only connectWorker and the dev-server
// helpers import it, lazily), and its native core must be resolved from node_modules anyway.
import { renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { build } = require('esbuild');
const { CLI_BUNDLE_PATH } = require('../dist/cli/launch.js');

const started = performance.now();
const tmp = `${CLI_BUNDLE_PATH}.${process.pid}.tmp`;
await build({
  entryPoints: [require.resolve('../dist/client.js')],
  outfile: tmp,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // ASCII only (launch.ts decodes it as latin1); names kept, so a stack trace still says where.
  charset: 'ascii',
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['@temporalio/worker', '@temporalio/testing'],
  logLevel: 'error',
});
// That the CLI never loads the worker package at run time is checked by bench/cli-startup.ts and
// test/cli/launch.test.ts (a static import of it would be bundled, or required at start-up).
// Renamed into place: a phoenix-client starting meanwhile never reads half a bundle.
renameSync(tmp, CLI_BUNDLE_PATH);
console.log(`cli bundle: ${CLI_BUNDLE_PATH} (${(statSync(CLI_BUNDLE_PATH).size / 1024).toFixed(0)} KiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
