/**
 * phoenix-sim API benchmark: start-up time and request throughput with the
 * real proxmox-api client over HTTPS (pinned CA, keep-alive), loopback only.
 * Bounded: at most REQUESTS requests or MAX_SECONDS seconds.
 *
 *   npx tsx bench/sim-api.ts [--workers 8] [--requests 4000]
 *
 * Throughput is measured against the simulator in its own process (as
 * `phoenix-sim` runs), so client and server do not share one event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proxmoxApi from 'proxmox-api';
import { Agent, fetch, type RequestInfo, type RequestInit } from 'undici';
import { PHOENIX_SIM_BIN, sandboxGuests, sshEndpoint, startSimulator } from 'phoenix-sim';

const STARTUP_TARGET_MS = 2000;
const THROUGHPUT_TARGET = 500;
const MAX_SECONDS = 20;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function ratio(value: number, target: number, higherIsBetter: boolean): string {
  const r = higherIsBetter ? value / target : target / value;
  return `${r.toFixed(2)}x target ${r >= 1 ? '(meets)' : '(MISSES)'}`;
}

async function main(): Promise<void> {
  const workers = arg('workers', 8);
  const requests = arg('requests', 4000);

  let t0 = performance.now();
  const bare = await startSimulator({ apiPort: 0 });
  const bareMs = performance.now() - t0;
  await bare.close();
  t0 = performance.now();
  const full = await startSimulator({ apiPort: 0, sshPort: 0, timeScale: 0.01, guests: sandboxGuests(), ssh: sshEndpoint() });
  const fullMs = performance.now() - t0;
  await full.close();
  console.log(`start-up (API only, fresh state dir + TLS):   ${bareMs.toFixed(0)} ms  ${ratio(bareMs, STARTUP_TARGET_MS, false)}`);
  console.log(`start-up (API + SSH + guest side):            ${fullMs.toFixed(0)} ms  ${ratio(fullMs, STARTUP_TARGET_MS, false)}`);

  const stateDir = mkdtempSync(join(tmpdir(), 'phoenix-sim-bench-'));
  t0 = performance.now();
  const { child, env } = await startChild(stateDir);
  console.log(`start-up (phoenix-sim bin process, to ready): ${(performance.now() - t0).toFixed(0)} ms`);
  const sim = { apiHost: env.PHOENIX_PVE_HOST!, apiPort: Number(env.PHOENIX_PVE_PORT), tokenId: env.PHOENIX_PVE_TOKEN_ID!, tokenSecret: env.PHOENIX_PVE_TOKEN_SECRET!, caPem: readFileSync(env.PHOENIX_PVE_CA_FILE!, 'utf8') };

  const agent = new Agent({ connect: { ca: sim.caPem }, keepAliveTimeout: 10_000, connections: workers });
  const pinned = (u: RequestInfo, i?: RequestInit): ReturnType<typeof fetch> => fetch(u, { ...i, dispatcher: agent });
  const api = proxmoxApi({ host: sim.apiHost, port: sim.apiPort, tokenID: sim.tokenId, tokenSecret: sim.tokenSecret, fetch: pinned as never });
  try {
    const pve = api.nodes.$('pve');
    const upid = await pve.lxc.$post({ vmid: 900, ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', rootfs: 'local-zfs:8', unprivileged: 1 } as never);
    while ((await pve.tasks.$(upid).status.$get()).status !== 'stopped') await new Promise((r) => setTimeout(r, 10));
    // The mix a polling orchestrator sends: config, status, task status, resources, version,
    // plus a config write whose every parameter (property strings included) is schema-validated.
    const calls: Array<() => Promise<unknown>> = [
      () => pve.lxc.$(900).config.$put({ cores: 2, memory: 1024, net0: 'name=eth0,bridge=vmbr0,ip=dhcp,firewall=1', features: 'nesting=1', description: 'bench' } as never),
      () => pve.lxc.$(900).config.$get(),
      () => pve.lxc.$(900).status.current.$get(),
      () => pve.tasks.$(upid).status.$get(),
      () => api.cluster.resources.$get({ type: 'vm' }),
      () => api.version.$get(),
    ];
    // Warm-up (JIT, TLS sessions, connection pool) is not measured.
    for (let i = 0; i < 300; i++) await calls[i % calls.length]!();
    let issued = 0;
    let failed = 0;
    const deadline = performance.now() + MAX_SECONDS * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (issued < requests && performance.now() < deadline) {
          const call = calls[issued++ % calls.length]!;
          await call().catch(() => failed++);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const rps = issued / seconds;
    console.log(`throughput (${workers} workers, ${issued} requests, ${failed} failed): ${rps.toFixed(0)} req/s  ${ratio(rps, THROUGHPUT_TARGET, true)}`);
    console.log(`mean latency: ${((seconds * 1000 * workers) / issued).toFixed(2)} ms`);
  } finally {
    await agent.close();
    await stopChild(child);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Runs `phoenix-sim --print-env` as a child process and reads its connection lines. */
function startChild(stateDir: string): Promise<{ child: ChildProcess; env: Record<string, string> }> {
  const child = spawn(process.execPath, [PHOENIX_SIM_BIN, '--port', '0', '--no-ssh', '--no-guests', '--time-scale', '0.01', '--state-dir', stateDir, '--print-env'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`phoenix-sim exited with ${code} before it was ready`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (!out.includes('PHOENIX_SSH_HOST_KEY_FINGERPRINT=')) return;
      const env = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      resolve({ child, env });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
