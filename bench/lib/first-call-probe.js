// Preloaded into a phoenix-client process by bench/cli-startup.ts (`node -r`): when the CLI makes
// its first call to Temporal (Connection.connect), print the process's age and exit, so the
// figure is the start-up cost alone, whatever server there is (none is needed).
'use strict';
const Module = require('node:module');
const load = Module._load;
let patched = false;
Module._load = function (request, ..._rest) {
  const exported = load.call(this, request, ..._rest);
  if (!patched && request === '@temporalio/client' && exported && exported.Connection) {
    patched = true;
    exported.Connection.connect = async () => {
      const cpu = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ firstCallMs: process.uptime() * 1000, cpuMs: (cpu.user + cpu.system) / 1000, modules: Object.keys(require.cache).length })}\n`);
      process.exit(0);
    };
  }
  return exported;
};
