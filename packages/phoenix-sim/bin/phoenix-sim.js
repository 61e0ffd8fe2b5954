#!/usr/bin/env node
'use strict';
// Thin shim: the simulator is built into this package's dist/ by `npm run build`.
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`phoenix-sim: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
