#!/usr/bin/env node
'use strict';
// Thin shim: the CLI is compiled from src/ into dist/ and bundled into one file by `npm run build`;
// dist/cli/launch.js runs the bundle with a V8 code cache, or dist/client.js when there is none.
require('../dist/cli/launch.js').launch();
