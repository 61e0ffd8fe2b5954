/**
 * Acceptance (issue 4): with the simulator failing a fifth of API calls with 500s and adding
 * lock timeouts, provisioning 950 still completes, with no side effect done twice. A bad
 * parameter (a storage that does not exist) fails fast with a message naming the step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { configCopy, countBy, jobs, ledgerText, nvidiaInstalls, TIME_SCALE, type ConfigCopy } from './helpers';

describe('provisioning through API faults', () => {
  let stack: Stack;
  let badConfig: ConfigCopy;

  before(async () => {
    // 956: a leaf of 920 whose root filesystem goes to a storage the host does not have.
    badConfig = configCopy(({ lxc }) => {
      const base = lxc.lxc_configs['950'];
      lxc.lxc_configs['956'] = {
        ...base,
        name: 'vllm-bad-storage',
        storage_pool: 'nosuchpool',
        mac_address: '52:54:00:67:89:56',
        network_config: { ...base.network_config, ip: '10.0.0.156/24' },
      };
    });
    stack = await startStack({ timeScale: TIME_SCALE, simArgs: ['--fault-seed', '4'] });
    await stack.startWorker();
  });

  after(async () => {
    await stack?.stop();
    badConfig?.remove();
  });

  it('completes 950 with 20% of API calls failing (500) and lock timeouts, doing each side effect once', async () => {
    await stack.setFaults([
      { target: 'api', match: '*', kind: 'http-error', status: 500, message: 'simulated internal error', rate: 0.2 },
      { target: 'api', match: '/^(POST|PUT) /nodes/[^/]+/lxc/.*/', kind: 'lock', lock: 'timeout', rate: 0.2 },
    ]);
    const run = await stack.cli(['start', '950']);
    await stack.setFaults([]);
    const entries = await stack.ledger();
    const why = `\nledger:\n${ledgerText(entries)}\n${run.stderr.slice(-4000)}`;
    assert.equal(run.code, 0, `start 950 failed under faults:${why}`);

    assert.deepEqual(
      countBy(entries, ['lxc.create', 'lxc.clone', 'lxc.snapshot', 'lxc.destroy']),
      {
        'lxc.create 900': 1,
        'lxc.clone 901': 1,
        'lxc.clone 920': 1,
        'lxc.clone 950': 1,
        'lxc.snapshot 900': 1,
        'lxc.snapshot 901': 1,
        'lxc.snapshot 920': 1,
      },
      why,
    );
    const byJob = jobs(entries);
    assert.equal(byJob.size, 4, `one job per feature and 950's app script${why}`);
    for (const [id, job] of byJob) {
      assert.equal(job.starts, 1, `job ${id} started ${job.starts} times${why}`);
      assert.deepEqual(job.exits, [0], `job ${id}${why}`);
    }
    assert.equal(nvidiaInstalls(entries).length, 1, why);
  });

  it('fails fast on a storage that does not exist, naming ensure_container_defined and the storage', async () => {
    // Its own task queue and worker, reading the config copy; the chain from the test above is reused.
    const env = { PHOENIX_CONFIG_DIR: badConfig.dir, PHOENIX_TASK_QUEUE: `${stack.taskQueue}-bad` };
    await stack.startWorker(env);
    const before = (await stack.ledger()).at(-1)!.seq;
    const started = Date.now();
    const run = await stack.cli(['start', '956'], { env });
    const ms = Date.now() - started;
    assert.equal(run.code, 1, `start 956 should fail:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /ensure_container_defined/);
    assert.match(run.stderr, /nosuchpool/);
    assert.ok(ms < 20_000, `failing took ${ms} ms: it was retried instead of failing fast\n${run.stderr}`);
    const added = (await stack.ledger()).filter((e) => e.seq > before && /^lxc\.(create|clone)$/.test(e.kind));
    assert.deepEqual(added, [], 'nothing was created');
  });
});
