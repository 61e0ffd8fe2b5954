import { PassThrough, type Readable, type Writable } from 'node:stream';
import { parseSimpleCommand, ShellSyntaxError } from './shell-words';
import { HostFs, HostFsError } from './host-fs';
import { readAll, type HostCommand } from './command-io';
import type { SshHost } from './host-backend';
import { pct } from './commands/pct';
import { qm } from './commands/qm';
import { zfs } from './commands/zfs';
import { pvesm } from './commands/pvesm';
import { HOST_FILE_COMMANDS } from './commands/host-files';
import { MACHINE_COMMANDS } from '../host/commands';
import { pvesh } from './commands/pvesh';
import { pveversion } from './commands/pveversion';

/**
 * The simulated hypervisor's command table. A command line is split into words without a
 * shell (see shell-words.ts); the first word, with any /usr/sbin-style directory removed,
 * picks the handler. Anything else is "command not found" (127), as bash would say.
 */
export const HOST_COMMANDS: Record<string, HostCommand> = { pct, qm, zfs, pvesm, pvesh, pveversion, ...HOST_FILE_COMMANDS, ...MACHINE_COMMANDS };

export interface CommandStreams {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  reportExit?: (code: number) => void;
}

export async function runHostCommandLine(host: SshHost, line: string, io: CommandStreams): Promise<number> {
  let parsed;
  try {
    parsed = parseSimpleCommand(line);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    io.stderr.write(`phoenix-sim: ${error.message}\n`);
    return 2;
  }
  const name = parsed.argv[0]!.replace(/^\/(usr\/)?s?bin\//, '');
  const handler = HOST_COMMANDS[name];
  if (!handler) {
    io.stderr.write(`bash: line 1: ${parsed.argv[0]}: command not found\n`);
    return 127;
  }
  const fs = new HostFs(host);
  let stdin = io.stdin;
  let stdout = io.stdout;
  let collected: PassThrough | undefined;
  try {
    if (parsed.stdinFrom !== undefined) {
      const input = new PassThrough();
      input.end(fs.read(parsed.stdinFrom));
      stdin = input;
    }
    if (parsed.stdoutTo) {
      // `> file` truncates before the command runs, as the shell does.
      if (!parsed.stdoutTo.append) fs.write(parsed.stdoutTo.path, Buffer.alloc(0));
      collected = new PassThrough();
      stdout = collected;
    }
  } catch (error) {
    if (!(error instanceof HostFsError)) throw error;
    io.stderr.write(`bash: line 1: ${error.message}\n`);
    return 1;
  }
  const output = collected ? readAll(collected) : undefined;
  const code = await handler({
    argv: [name, ...parsed.argv.slice(1)],
    stdin,
    stdout,
    stderr: io.stderr,
    host,
    // With output redirected to a file the status can only be known after the file is written.
    ...(io.reportExit && !collected ? { reportExit: io.reportExit } : {}),
  });
  if (collected && output && parsed.stdoutTo) {
    collected.end();
    const data = await output;
    try {
      fs.write(parsed.stdoutTo.path, data, true);
    } catch (error) {
      if (!(error instanceof HostFsError)) throw error;
      io.stderr.write(`bash: line 1: ${error.message}\n`);
      return 1;
    }
  }
  return code;
}
