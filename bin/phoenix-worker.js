#!/usr/bin/env node
'use strict';
// Starts dist/worker.js under the worker's heap limit (PHOENIX_WORKER_HEAP_MB): src/worker-launch.ts.
require('../dist/worker-launch.js').launchWorker();
