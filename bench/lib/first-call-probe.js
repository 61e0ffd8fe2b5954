// Preloaded into a phoenix-client process by bench/cli-startup.ts (`node -r`): when the CLI makes
// its first call to Temporal, print the process's age and exit, so the figure is the start-up cost
// alone, whatever server there is (none is needed). The call is seen where it leaves the process,
// as the first TCP socket the client opens (Node's `net.client.socket` diagnostics channel):
// that works whether the CLI runs from its bundle or from dist/client.js, and it counts
// Connection.connect's own set-up (gRPC channel, address lookup) as start-up too.
'use strict';
const diagnostics = require('node:diagnostics_channel');
diagnostics.subscribe('net.client.socket', () => {
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ firstCallMs: process.uptime() * 1000, cpuMs: (cpu.user + cpu.system) / 1000, modules: Object.keys(require.cache).length, workerPackageLoaded: Object.keys(require.cache).some((f) => f.includes('@temporalio/worker')) })}\n`);
  process.exit(0);
});
