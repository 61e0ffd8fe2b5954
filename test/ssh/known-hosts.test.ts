// known_hosts read as OpenSSH reads it: patterns, negation, hashed names, markers; malformed
// lines are errors with their line number.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { utils } from 'ssh2';
import { entryMatchesHost, knownHostsName, parseKnownHosts, verifyKnownHostKey } from '../../src/ssh/known-hosts';

const keyLine = () => utils.generateKeyPairSync('ed25519').public.trim().split(/\s+/).slice(0, 2).join(' ');
const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');

test('host patterns: wildcards, negation, [host]:port', { timeout: 5_000 }, () => {
  assert.equal(knownHostsName('pve', 22), 'pve');
  assert.equal(knownHostsName('10.0.0.13', 2222), '[10.0.0.13]:2222');
  assert.equal(entryMatchesHost('pve,10.0.0.13', 'pve'), true);
  assert.equal(entryMatchesHost('*.lan,!bad.lan', 'pve.lan'), true);
  assert.equal(entryMatchesHost('*.lan,!bad.lan', 'bad.lan'), false);
  assert.equal(entryMatchesHost('10.0.0.?', '10.0.0.13'), false);
  assert.equal(entryMatchesHost('[10.0.0.13]:2222', '10.0.0.13'), false);
});

test('hashed host names match by HMAC-SHA1 of the name', { timeout: 5_000 }, () => {
  const salt = randomBytes(20);
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[pve]:2222').digest('base64')}`;
  assert.equal(entryMatchesHost(hashed, '[pve]:2222'), true);
  assert.equal(entryMatchesHost(hashed, 'pve'), false);
});

test('verdicts: trusted, changed, revoked (wins), cert-authority only, unknown', { timeout: 10_000 }, () => {
  const [a, b] = [keyLine(), keyLine()];
  const entries = parseKnownHosts(`pve ${a}\nother ${b}\n`);
  assert.deepEqual(verifyKnownHostKey(entries, 'pve', blob(a)), { ok: true });
  assert.deepEqual(verifyKnownHostKey(entries, 'pve', blob(b)), { ok: false, reason: 'changed', lines: [1] });
  assert.deepEqual(verifyKnownHostKey(entries, 'nope', blob(a)), { ok: false, reason: 'unknown-host' });
  const revoked = parseKnownHosts(`pve ${a}\n@revoked pve ${a}\n`);
  assert.deepEqual(verifyKnownHostKey(revoked, 'pve', blob(a)), { ok: false, reason: 'revoked', line: 2 });
  const ca = parseKnownHosts(`@cert-authority *.lan ${a}\n`);
  assert.deepEqual(verifyKnownHostKey(ca, 'pve.lan', blob(a)), { ok: false, reason: 'only-cert-authority', lines: [1] });
});

test('malformed lines are refused with their line number', { timeout: 5_000 }, () => {
  const a = keyLine();
  assert.throws(() => parseKnownHosts(`# c\n\n@trusted pve ${a}\n`, 'kh'), /kh line 3: unknown marker @trusted/);
  assert.throws(() => parseKnownHosts('pve ssh-ed25519\n', 'kh'), /kh line 1: expected/);
  assert.throws(() => parseKnownHosts('pve ssh-rsa ' + a.split(' ')[1] + '\n', 'kh'), /line 1: the key data is not a ssh-rsa key/);
  assert.throws(() => parseKnownHosts('pve ssh-ed25519 not*base64\n', 'kh'), /line 1: the key is not base64/);
});
