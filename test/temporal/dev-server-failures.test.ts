// The launcher's failure paths: a person (or CI) must learn why the server did not
// come up, and nothing may be left running.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DevServerStartError, startDevServer } from '../../src/temporal/dev-server';
import { findTemporalBinary, TemporalBinaryNotFoundError } from '../../src/temporal/temporal-binary';

describe('dev-server launcher failures', () => {
  test('a server that dies during start-up is reported with its own output', async () => {
    const unwritable = join(tmpdir(), `phoenix-missing-${randomUUID()}`, 'nested', 'temporal.db');
    await assert.rejects(startDevServer({ uiPort: false, dbFile: unwritable }), (error: unknown) => {
      assert.ok(error instanceof DevServerStartError, String(error));
      assert.match(error.message, /exited during start-up/);
      assert.ok(error.outputTail.length > 0, 'the server output is attached');
      return true;
    });
  });

  test('a port already taken fails with the server saying so', async () => {
    // Accepts and drops connections, so the launcher's readiness probe cannot hang on it.
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startDevServer({ port, uiPort: false }), (error: unknown) => {
        assert.ok(error instanceof DevServerStartError, String(error));
        assert.match(error.message, /address already in use/i);
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('a server that panics while it starts is started once more; a second panic is reported', { timeout: 60_000 }, async () => {
    // Panics as the CLI's dev server sometimes does (exit code 2, the panic before a stack), then
    // runs the real binary: `panics` times in all.
    const dir = mkdtempSync(join(tmpdir(), 'phoenix-panicky-'));
    const panicky = (panics: number) => {
      const bin = join(dir, `temporal-${panics}`);
      writeFileSync(
        bin,
        [
          '#!/bin/sh',
          `count=$(cat "${bin}.count" 2>/dev/null || echo 0); echo $((count + 1)) > "${bin}.count"`,
          `if [ "$count" -lt ${panics} ]; then echo 'panic: runtime error: invalid memory address or nil pointer dereference' >&2; echo 'goroutine 1 [running]:' >&2; exit 2; fi`,
          `exec '${findTemporalBinary()}' "$@"`,
        ].join('\n'),
      );
      chmodSync(bin, 0o755);
      return bin;
    };
    try {
      const server = await startDevServer({ uiPort: false, binary: panicky(1), searchAttributes: false });
      await server.stop();
      assert.equal(readFileSync(join(dir, 'temporal-1.count'), 'utf8').trim(), '2', 'started twice');
      await assert.rejects(startDevServer({ uiPort: false, binary: panicky(2), searchAttributes: false }), (error: unknown) => {
        assert.ok(error instanceof DevServerStartError, String(error));
        assert.match(error.outputTail, /^panic: runtime error/m);
        return true;
      });
      assert.equal(readFileSync(join(dir, 'temporal-2.count'), 'utf8').trim(), '2', 'no third start');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('PHOENIX_TEMPORAL_BIN pointing nowhere names the variable and the fix', () => {
    assert.throws(
      () => findTemporalBinary({ PHOENIX_TEMPORAL_BIN: '/nonexistent/temporal', PATH: '' }),
      (error: unknown) =>
        error instanceof TemporalBinaryNotFoundError &&
        /PHOENIX_TEMPORAL_BIN=\/nonexistent\/temporal/.test(error.message) &&
        /npm run install-temporal/.test(error.message),
    );
  });
});
