/**
 * Acceptance (issue 4): `phoenix-client start 950` on a fresh simulator builds the template
 * chain the config names (900 → 901 → 920) and then 950, each side effect exactly once; a
 * second `start 950` changes nothing and reports every step unchanged (how much quicker it is
 * is measured by bench/converged-rerun.ts, not asserted here). Afterwards no workflow history (payloads,
 * search attributes, memos) holds a secret.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { startStack, type LedgerEntry, type Stack } from '../../scripts/lib/stack';
import {
  allHistoriesText, configCopy, jobs, ledgerText, nvidiaInstalls, secretNeedles, SIDE_EFFECTS,
  temporalClient, TIME_SCALE, type ConfigCopy, CHAIN_950_BUILT_ONCE, provisioningCounts } from './helpers';

describe('phoenix-client start 950 on a fresh simulator', () => {
  let stack: Stack;
  let config: ConfigCopy;
  let client: Client;
  const passwordHashes = [`$6$e2e${randomBytes(4).toString('hex')}$${randomBytes(32).toString('base64url')}`, `$6$vm${randomBytes(4).toString('hex')}$${randomBytes(32).toString('base64url')}`];
  let afterFirst: LedgerEntry[];

  before(async () => {
    // The shipped config plus password hashes, which must never reach a history.
    config = configCopy(({ hypervisor, vm }) => {
      hypervisor.users.password_hash = passwordHashes[0];
      vm.vm_defaults = { ...vm.vm_defaults, user_config: { ...(vm.vm_defaults?.user_config ?? { username: 'ubuntu' }), password_hash: passwordHashes[1] } };
    });
    stack = await startStack({ timeScale: TIME_SCALE, configDir: config.dir });
    await stack.startWorker();
    client = await temporalClient(stack);
  });

  after(async () => {
    await client?.connection.close();
    await stack?.stop();
    config?.remove();
  });

  it('builds 900, 901, 920, then 950, every create, clone, snapshot, job and the NVIDIA installer exactly once', async () => {
    const first = await stack.cli(['start', '950']);
    assert.equal(first.code, 0, `start 950 failed:\n${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout, /CT 950 ready/);

    afterFirst = await stack.ledger();
    const why = `\nledger:\n${ledgerText(afterFirst)}`;
    assert.deepEqual(
      provisioningCounts(afterFirst),
      CHAIN_950_BUILT_ONCE,
      why,
    );
    // Each clone comes from its parent's template snapshot, in chain order.
    const clones = afterFirst.filter((e) => e.kind === 'lxc.clone').map((e) => `${e.vmid}@${String(e.details?.snapname)}→${String(e.details?.newid)}`);
    assert.deepEqual(clones, ['900@pre-configured→901', '901@pre-configured→920', '920@pre-configured→950'], why);

    // One job per feature (and 950's application script), each started once and finished with 0.
    const byJob = jobs(afterFirst);
    const summary = [...byJob].map(([id, j]) => `${j.vmid} ${id.replace(/^phoenix-lxc-\d+-[0-9a-f-]{36}-/, '')} starts=${j.starts} exits=${j.exits.join(',')}`).sort();
    assert.deepEqual(
      summary,
      ['900 feature-base_setup starts=1 exits=0', '901 feature-nvidia starts=1 exits=0', '920 feature-vllm starts=1 exits=0', '950 app starts=1 exits=0'],
      why,
    );
    const nvidia = nvidiaInstalls(afterFirst);
    assert.equal(nvidia.length, 1, `the NVIDIA installer ran ${nvidia.length} times${why}`);
    assert.equal(nvidia[0]!.vmid, 901);
  });

  it('a second start 950 changes nothing and reports every step unchanged', async () => {
    assert.ok(afterFirst, 'needs the first run');
    const second = await stack.cli(['start', '950', '--json']);
    assert.equal(second.code, 0, `second start failed:\n${second.stdout}\n${second.stderr}`);
    const runs = JSON.parse(second.stdout) as Array<{ workflowId: string; outcome?: { result?: { steps?: Array<{ name: string; changed: boolean }> } } }>;
    const run950 = runs.find((r) => r.workflowId === 'phoenix-lxc-950');
    assert.ok((run950?.outcome?.result?.steps?.length ?? 0) >= 5, `950's run reported its steps: ${second.stdout}`);
    const changed = runs.flatMap((r) => (r.outcome?.result?.steps ?? []).filter((s) => s.changed).map((s) => `${r.workflowId} ${s.name}`));
    assert.deepEqual(changed, [], `steps reported changed: ${second.stdout}`);
    // Only this run's steps: the templates' earlier builds are not replayed next to "nothing changed".
    assert.doesNotMatch(second.stderr, /\[CT (900|901|920)\]/, second.stderr);

    const added = (await stack.ledger()).filter((e) => e.seq > afterFirst.at(-1)!.seq);
    const repeated = added.filter((e) => SIDE_EFFECTS.includes(e.kind));
    assert.deepEqual(repeated, [], `the second run repeated side effects:\n${ledgerText(added)}`);
  });

  it('no workflow history, search attribute or memo holds the token secret, a password hash or the SSH private key', async () => {
    assert.ok(afterFirst, 'needs the runs');
    const tokenSecret = stack.sim.env.PHOENIX_PVE_TOKEN_SECRET!;
    const privateKey = readFileSync(stack.sim.env.PHOENIX_SSH_KEY_FILE!, 'utf8');
    assert.ok(tokenSecret.length >= 8 && privateKey.includes('PRIVATE KEY'), 'the simulator handed out real secrets');
    const { runs, text } = await allHistoriesText(client);
    // 950 twice, 920, 901 and 900 once each: the histories read are the ones that did the work.
    assert.ok(runs >= 5, `read ${runs} workflow runs`);
    assert.match(text, /phoenix-lxc-901/, 'the histories are readable text');
    assert.match(text, /feature-nvidia/, 'activity inputs are decoded');
    const secrets: Array<[string, string]> = [
      ['the API token secret', tokenSecret],
      ['the SSH private key', privateKey],
      ...passwordHashes.map((h, i): [string, string] => [`password hash ${i + 1}`, h]),
    ];
    for (const [what, secret] of secrets) {
      for (const needle of secretNeedles(secret)) {
        assert.ok(!text.includes(needle), `${what} appears in a workflow history`);
      }
    }
  });
});
