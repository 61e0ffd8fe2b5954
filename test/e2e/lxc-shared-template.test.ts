/**
 * Acceptance (issue 4):
 * - two concurrent `start`s for leaves of one template (950 and 955 share 901 and 900) share a
 *   single build of each template: one create/clone per guest, one template workflow run;
 * - hostile config values (quotes, `;`, `$(...)`, backticks) reach the guest as literal text,
 *   and nothing an injected command would create exists, on the host or in a guest; values a
 *   unit file or a hostname cannot carry (newlines, shell syntax in names) are refused by
 *   `validate` (exit 2, naming the file and the JSON path).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { startStack, type Stack } from '../../scripts/lib/stack';
import { configCopy, countBy, jobs, ledgerText, temporalClient, TIME_SCALE, workflowRuns, type ConfigCopy } from './helpers';

const PWNED = ['/tmp/phoenix-e2e-pwned', '/tmp/phoenix-e2e-pwned2'];
const HOSTILE_ARG = `--served-model-name=$(touch ${PWNED[0]});x'y"z \`touch ${PWNED[1]}\` %h $HOME \\n`;
const HOSTILE_SERVED = `qwen'"$(touch ${PWNED[0]});\`touch ${PWNED[1]}\` & | > x`;

/** systemd's own splitting of an ExecStart= line: "double-quoted" words, \\ and \" escapes, %% and $$ doubled. */
function systemdWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (const m of line.matchAll(re)) words.push(m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  return words;
}

describe('two leaves of one template started at once; hostile config values', () => {
  let stack: Stack;
  let config: ConfigCopy;
  let client: Client;

  before(async () => {
    for (const p of PWNED) assert.ok(!existsSync(p), `${p} is left over from an earlier run: remove it`);
    config = configCopy(({ lxc }) => {
      const ct = lxc.lxc_configs['950'];
      ct.vllm_args = [...ct.vllm_args, HOSTILE_ARG];
      ct.vllm_served_model_name = HOSTILE_SERVED;
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

  it('starting 950 and 955 at the same time builds 900 and 901 once', async () => {
    const [a, b] = await Promise.all([stack.cli(['start', '950']), stack.cli(['start', '955'])]);
    const entries = await stack.ledger();
    const why = `\nledger:\n${ledgerText(entries)}\n950:\n${a.stderr.slice(-2000)}\n955:\n${b.stderr.slice(-2000)}`;
    assert.equal(a.code, 0, `start 950 failed${why}`);
    assert.equal(b.code, 0, `start 955 failed${why}`);

    assert.deepEqual(
      countBy(entries, ['lxc.create', 'lxc.clone', 'lxc.snapshot', 'lxc.destroy']),
      {
        'lxc.create 900': 1,
        'lxc.clone 901': 1,
        'lxc.clone 920': 1,
        'lxc.clone 950': 1,
        'lxc.clone 955': 1,
        'lxc.snapshot 900': 1,
        'lxc.snapshot 901': 1,
        'lxc.snapshot 920': 1,
        'lxc.snapshot 950': 1,
        'lxc.snapshot 955': 1,
      },
      why,
    );
    for (const [id, job] of jobs(entries)) assert.equal(job.starts, 1, `job ${id} started ${job.starts} times${why}`);
    const features = [...jobs(entries).keys()].map((id) => id.replace(/^phoenix-lxc-(\d+)-[0-9a-f-]{36}-/, '$1 ')).sort();
    assert.deepEqual(features, ['900 feature-base_setup', '901 feature-nvidia', '920 feature-vllm', '950 app', '955 app', '955 feature-ollama'], why);

    const runs = await workflowRuns(client);
    assert.equal(runs.get('phoenix-lxc-900'), 1, 'one run builds template 900');
    assert.equal(runs.get('phoenix-lxc-901'), 1, 'one run builds template 901');
    assert.equal(runs.get('phoenix-lxc-920'), 1);
  });

  it('hostile vllm_args and served model name arrive in the unit file byte for byte, and inject nothing', () => {
    const guests = join(stack.stateDir, 'sim', 'guests');
    const unit = readFileSync(join(guests, '950', 'rootfs', 'etc/systemd/system/vllm_model_server.service'), 'utf8');
    const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart='));
    assert.ok(execStart, unit);
    const words = systemdWords(execStart);
    assert.equal(words.at(-1), HOSTILE_ARG, `the last vllm argument as systemd will pass it:\n${execStart}`);
    assert.equal(words[words.indexOf('--served-model-name') + 1], HOSTILE_SERVED, execStart);
    assert.ok(unit.includes(`Description=vLLM model server (${HOSTILE_SERVED})\n`), unit);

    for (const p of PWNED) {
      assert.ok(!existsSync(p), `${p} exists on the host: a config value was run as a command`);
      for (const vmid of readdirSync(guests)) {
        assert.ok(!existsSync(join(guests, vmid, 'rootfs', p)), `${p} exists in guest ${vmid}: a config value was run as a command`);
      }
    }
  });

  for (const [what, edit, path] of [
    ['a newline in a vllm argument', (ct: any) => (ct.vllm_args = [...ct.vllm_args, 'x\nExecStartPre=/usr/bin/touch /tmp/phoenix-e2e-pwned']), /lxc_configs\.950\.vllm_args\[12\]/],
    ['a newline in the served model name', (ct: any) => (ct.vllm_served_model_name = 'q\nExecStartPre=/usr/bin/touch /tmp/phoenix-e2e-pwned'), /lxc_configs\.950\.vllm_served_model_name/],
    ['shell syntax in a container name', (ct: any) => (ct.name = 'vllm;$(touch /tmp/phoenix-e2e-pwned)'), /lxc_configs\.950\.name/],
  ] as const) {
    it(`validate refuses ${what}, naming the file and the path`, async () => {
      const bad = configCopy(({ lxc }) => edit(lxc.lxc_configs['950']));
      try {
        const r = await stack.cli(['validate', '--config-dir', bad.dir]);
        assert.equal(r.code, 2, `validate accepted ${what}:\n${r.stdout}${r.stderr}`);
        assert.match(r.stderr + r.stdout, /phoenix_lxc_configs\.json/);
        assert.match(r.stderr + r.stdout, path);
      } finally {
        bad.remove();
      }
    });
  }
});
