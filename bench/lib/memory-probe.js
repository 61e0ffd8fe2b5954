// Preloaded into the worker by bench/scale.ts (`--memory-log`, through NODE_OPTIONS=--require):
// every second, appends one JSON line with where the worker process's memory is: its resident set,
// the main thread's V8 heap (used / reserved), memory held outside it by JS objects (`external`,
// array buffers), and what is left, which is the workflow thread's heap, the Rust core, code and
// the allocator's slack. Only the process that runs the worker writes (not bin's launcher); the
// SDK's workflow thread loads this preload too and writes its own lines (`thread` > 0: its heap).
'use strict';
const { appendFileSync } = require('node:fs');
const v8 = require('node:v8');
const { threadId } = require('node:worker_threads');

const file = process.env.PHOENIX_BENCH_MEMORY_LOG;
if (file && process.env.PHOENIX_WORKER_LAUNCHED === '1') {
  const MB = 1024 * 1024;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_used_size / MB)]));
    const line = {
      t: Math.round(process.uptime()),
      thread: threadId,
      rss: Math.round(m.rss / MB),
      heapUsed: Math.round(m.heapUsed / MB),
      heapTotal: Math.round(m.heapTotal / MB),
      external: Math.round(m.external / MB),
      arrayBuffers: Math.round(m.arrayBuffers / MB),
      outsideMainHeap: Math.round((m.rss - m.heapTotal - m.external) / MB),
      heapLimit: Math.round(v8.getHeapStatistics().heap_size_limit / MB),
      oldSpaceUsed: spaces.old_space,
      codeSpaceUsed: spaces.code_space,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000);
  timer.unref();
}
